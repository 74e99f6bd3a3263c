# The memory log of bench/mem-usage.ts (seconds,rss,heap_total,heap_used,external,native in MiB, then
# RSS's anonymous and file-backed parts in logs that have them),
# from second FROM on, and before second END when given (a session's final analysis is no steady
# state): the least-squares slope of each kind in MiB per minute, and the lowest RSS, heap use and
# native memory (and anonymous, file-backed) in each WINDOW seconds. A garbage collector makes a sawtooth whose slope over a few
# minutes says little; the troughs are what stays (for the heap: live data).
#   awk -F, -v from=120 -v window=120 [-v end=1800] -f bench/mem-kinds.awk mem.csv
function low(a, w, v) { if (!(w in a) || v < a[w]) a[w] = v }
function troughs(title, a,    w, line) {
  line = sprintf("%s, lowest per %d s (MiB):", title, window)
  for (w = first; w <= last; w++) if (w in a) line = line sprintf(" %.1f", a[w])
  print line
}
NR > 1 && $1 >= from && (end == "" || $1 < end) {
  n++; x = $1 / 60; sx += x; sxx += x * x
  cols = NF < 8 ? 6 : 8
  for (c = 2; c <= cols; c++) { sy[c] += $c; sxy[c] += x * $c }
  w = int($1 / window); low(rss, w, $2); low(heap, w, $4); low(native, w, $6)
  if (cols == 8) { low(anon, w, $7); low(filed, w, $8) }
  if (first == "") first = w; last = w
}
END {
  if (n < 3) { print "memory by kind: too few samples after second " from; exit }
  split("rss heap_total heap_used external native anon file", name, " ")
  for (c = 2; c <= cols; c++) printf "%s %+.3f ", name[c - 1], (n * sxy[c] - sx * sy[c]) / (n * sxx - sx * sx)
  printf "MiB/min from second %d\n", from
  troughs("RSS", rss); troughs("heap used", heap); troughs("native", native)
  if (cols == 8) { troughs("anonymous", anon); troughs("file-backed", filed) }
}
