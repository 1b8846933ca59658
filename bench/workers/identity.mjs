// The per-item function of the workers benchmark's overhead cases (parallelMap, piscina, the hand loop): returns its item, so only the cost of moving items is measured.
export default function identity(item) {
  return item;
}
