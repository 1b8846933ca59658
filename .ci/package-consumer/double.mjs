// The worker module of the consumers' parallelMap: its default export is called once per item.
export default function double(n) {
  return n * 2;
}
