/**
 * A FIFO array with a moving head: O(1) shift, compacted once the dead front is large. The queue of the
 * concurrent stages (`map`/`flatMap` with `concurrency`, `parallelMap`).
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined; // let the result be collected once delivered
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head); // amortised O(1): the front is at least half the array
      this.head = 0;
    }
    return item;
  }
}
