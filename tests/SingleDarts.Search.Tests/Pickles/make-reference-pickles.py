# Writes the reference pickles PickleTests reads (CI has no Python: their output is committed).
# Run here with CPython 3 and numpy 1.x (3.11 and 1.24.2 wrote the files beside it):
#   python3 make-reference-pickles.py
# It prints the SHA-256 of the protocol-2 pickles of A and B, which PickleTests compares with PickleWriter's bytes,
# and writes A in the other protocols, gzipped, which PickleTests decodes.
import gzip, hashlib, pickle
import numpy as np

def pix(rows, seed):
    i = np.arange(rows)[:, None]
    p = np.arange(768)[None, :]
    return ((i * 31 + p * 7 + seed) % 256).astype(np.uint8)

a = pix(3, 5)
A = {'data': a, 'labels': [1, 120, 1000], 'mean': a.mean(axis=0)}   # a training batch's keys
b = pix(1001, 11)
B = {'data': b, 'labels': [i * 37 % 1000 + 1 for i in range(1001)]}  # val_data's keys; 1001 labels: two batches of APPENDS

for name, d in [('A', A), ('B', B)]:
    print(name, 'protocol 2 sha256', hashlib.sha256(pickle.dumps(d, protocol=2)).hexdigest())
for proto in [0, 1, 3, 4, 5]:
    with gzip.GzipFile(f'numpy-1.24-protocol{proto}.pickle.gz', 'wb', mtime=0) as f:
        f.write(pickle.dumps(A, protocol=proto))
