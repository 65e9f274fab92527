#!/usr/bin/env bash
# The POLCA-style oversubscription study (polca-oversubscription.yaml, .md): a site whose cap is
# sized for 12 HGX H100 servers at full load holds K = 12..20 servers, each serving the same
# load per server (the demand grows with the servers), run once uncapped and once under the
# threshold policy with its 40 s control delay. Prints one markdown row per K from summary.json
# and writes polca.csv and polca.png. About 10 runs of ~1 min each (request-level serving).
# Usage: bash workloads/examples/polca-oversubscription.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results/polca-oversubscription}
bin=${FLEETSIM:-./build/fleetsim}
mkdir -p "$out"
out_abs=$(cd "$out" && pwd)
yaml=workloads/examples/polca-oversubscription.yaml
for k in 12 14 16 18 20; do
  # The example platform's H100 site with K servers (the cap stays that of 12: power.caps).
  sed "s/radical=\"0-15\"/radical=\"0-$((k - 1))\"/" platforms/examples/two-site.xml \
    > "$out/site-$k.xml"
  half=$((k / 2))
  rate=$(/usr/bin/python3 -c "print(180 * $k / 16)")  # per stream: 22.5 req/s per server at the base rate
  common=(--quiet --set "platform=$out_abs/site-$k.xml"
          --set "serving.deployments.0.replicas=$half" --set "serving.deployments.1.replicas=$half"
          --set "workload.streams.0.arrival.rate_per_s=$rate"
          --set "workload.streams.1.arrival.rate_per_s=$rate")
  "$bin" run "$yaml" "${common[@]}" --out "$out/uncapped-$k" --set "power.thresholds=[]" \
    --set "power.caps.0.cap_mw=10" >/dev/null &
  "$bin" run "$yaml" "${common[@]}" --out "$out/polca-$k" >/dev/null
  wait
done
/usr/bin/python3 workloads/examples/polca_report.py "$out"
