#!/bin/bash
# Server time per page: each URL fetched once to warm it, then N times; prints p50 and the maximum.
# usage: scripts/page-times.sh http://127.0.0.1:8080 20 "/dataset?id=dataset:imagenet-1k" "/model?id=hf:bench/root"
base=$1; n=$2; shift 2
for u in "$@"; do
  curl -s -o /dev/null "$base$u"
  for i in $(seq $n); do curl -s -o /dev/null -w "%{time_total}\n" "$base$u"; done | sort -n | awk -v u="$u" '{a[NR]=$1} END {printf "%-75s p50 %.1f ms  max %.1f ms\n", u, a[int(NR/2)+1]*1000, a[NR]*1000}'
done
