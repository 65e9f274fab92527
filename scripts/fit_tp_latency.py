#!/usr/bin/python3
"""Fits the GPU serving model's tensor-parallel and per-pass costs to the Splitwise profile.

Reads ../shared/data/llm/splitwise-sim-perf_model.csv (DGX-A100 and DGX-H100, BF16 Llama-2-70B
and BLOOM-176B), takes the median of the repeats of each configuration, drops the
`h100-80gb-pcap` rows (Splitwise's own power-cap model, not a measurement) and the rows whose
batch does not fit in the KV cache (the replica would not admit it), and fits, by least squares
on log errors over the calibration rows (Llama-2-70B at TP 2 and TP 8), the model of
sim/serve/perf_model.h:
  decode step = step_overhead + L*(layer_overhead + 2*2(tp-1)*hop_latency)
                + B*(allreduce_per_token + seq_overhead) + max(memory, compute)
  TTFT        = first_token_overhead + P*allreduce_per_token
                + compute(P + long_pass_penalty*max(0, P - 2048))
  allreduce_per_token = 2*L * 2(tp-1)/tp * d * 2 B / (link_bw * link_efficiency),
  d = sqrt(params / (12 L)).
Held out: Llama-2-70B TP 4 and BLOOM-176B TP 8 (both systems); tests/serve/tp_latency_test.cc
checks them with the values printed here.
  /usr/bin/python3 scripts/fit_tp_latency.py [--rows]
"""
import os
import sys

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, '..', '..', 'shared', 'data', 'llm', 'splitwise-sim-perf_model.csv')
# Per accelerator: dense BF16 FLOP/s, HBM bytes and bytes/s, NVLink one direction (bytes/s).
HW = {'h100-80gb': dict(F=0.989e15, bw=3.35e12, hbm=80e9, link=450e9),
      'a100-80gb': dict(F=0.312e15, bw=2.039e12, hbm=80e9, link=300e9)}
MODELS = {'llama2-70b': dict(P=68.98e9, L=80, kv=2 * 80 * 8 * 128 * 2),
          'bloom-176b': dict(P=176.25e9, L=70, kv=2 * 70 * 14336 * 2)}
LONG_PASS = 2048
NAMES = ['step_overhead_ms', 'first_token_overhead_ms', 'layer_overhead_us', 'seq_overhead_us',
         'hop_latency_h100_us', 'link_efficiency', 'mfu_h100', 'mfu_a100', 'hop_latency_a100_us',
         'long_pass_penalty']


def rows():
    d = pd.read_csv(CSV)
    d = d[d.hardware != 'h100-80gb-pcap']
    g = d.groupby(['model', 'hardware', 'tensor_parallel', 'batch_size', 'prompt_size',
                   'token_size']).agg(ttft_ms=('prompt_time', 'median'),
                                      tpot_ms=('token_time', 'median')).reset_index()
    def fits(r):
        h, m = HW[r.hardware], MODELS[r.model]
        free = r.tensor_parallel * h['hbm'] * 0.9 - 2 * m['P']
        return r.batch_size * (r.prompt_size + r.token_size) * m['kv'] <= free
    g = g[g.apply(fits, axis=1)].copy()
    g['calibration'] = (g.model == 'llama2-70b') & (g.tensor_parallel != 4)
    return g


def predict(x, r):
    (step, first, layer, seq, hop_h, eff, mfu_h, mfu_a, hop_a, penalty) = x
    h, m, tp = HW[r.hardware], MODELS[r.model], r.tensor_parallel
    h100 = r.hardware.startswith('h100')
    hop, mfu = (hop_h, mfu_h) if h100 else (hop_a, mfu_a)
    L, d = m['L'], np.sqrt(m['P'] / (12 * m['L']))
    flops, bw = tp * h['F'] * mfu, tp * h['bw'] * 0.85
    ar_tok = 2 * L * 2 * (tp - 1) / tp * d * 2 / (h['link'] * eff) if tp > 1 else 0
    fixed = step * 1e-3 + L * (layer * 1e-6 + 2 * 2 * (tp - 1) * hop * 1e-6)
    b, p = r.batch_size, r.batch_size * r.prompt_size
    kv = b * (r.prompt_size + 0.5 * r.token_size) * m['kv']
    tpot = fixed + b * (ar_tok + seq * 1e-6) + max((2 * m['P'] + kv) / bw, 2 * m['P'] * b / flops)
    ttft = first * 1e-3 + p * ar_tok + 2 * m['P'] * (p + penalty * max(0, p - LONG_PASS)) / flops
    return 1e3 * ttft, 1e3 * tpot


def main():
    g = rows()
    cal = g[g.calibration]
    def resid(x):
        out = []
        for r in cal.itertuples():
            a, b = predict(x, r)
            out += [np.log(a / r.ttft_ms), np.log(b / r.tpot_ms)]
        return np.array(out)
    x0 = [5, 10, 100, 300, 5, 0.5, 0.5, 0.5, 5, 1]
    lb = [0, 0, 0, 0, 0, 0.01, 0.05, 0.05, 0, 0]
    ub = [100, 100, 1000, 2000, 100, 1, 1, 1, 100, 10]
    x = least_squares(resid, x0, bounds=(lb, ub)).x
    for n, v in zip(NAMES, x):
        print(f'{n} = {v:.4g}')
    for name, part in (('calibration', cal), ('held out', g[~g.calibration])):
        e = np.array([[a / r.ttft_ms - 1, b / r.tpot_ms - 1]
                      for r in part.itertuples() for a, b in [predict(x, r)]])
        print(f'{name}: {len(part)} rows, worst |TTFT| {100 * abs(e[:, 0]).max():.1f}%, '
              f'worst |TPOT| {100 * abs(e[:, 1]).max():.1f}%')
        if '--rows' in sys.argv:
            for r, (et, ed) in zip(part.itertuples(), e):
                print(f'  {r.model} {r.hardware} tp{r.tensor_parallel} b{r.batch_size} '
                      f'p{r.prompt_size} o{r.token_size}: TTFT {100 * et:+.1f}% '
                      f'TPOT {100 * ed:+.1f}%')


if __name__ == '__main__':
    main()
