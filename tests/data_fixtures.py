"""Small files in the real formats of each dataset, written for the tests."""

import gzip
import json
import pickle

import numpy as np


def write_idx(path, array):
    """Writes an IDX file (gzipped if `path` ends in .gz), big-endian header."""
    codes = {np.dtype("uint8"): 0x08}
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as file:
        file.write(header + array.tobytes())


def write_mnist(folder, train=64, test=32, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    arrays = {}
    for split, count in (("train", train), ("t10k", test)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, count).astype(np.uint8)
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels)
        arrays[split] = (images, labels)
    return arrays


def cifar_rows(rng, count):
    return rng.integers(0, 256, (count, 3072), dtype=np.uint8), rng.integers(0, 10, count)


def write_cifar_python(folder, per_batch=8, seed=0):
    """Writes cifar-10-batches-py: pickled dicts with b"data" and b"labels"."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data, labels = cifar_rows(rng, per_batch)
        with open(folder / name, "wb") as file:
            pickle.dump({b"data": data, b"labels": labels.tolist()}, file)
        batches[name] = (data, labels)
    return batches


def write_cifar_binary(folder, per_batch=8, seed=0):
    """Writes cifar-10-batches-bin: records of a label byte and 3072 pixels."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data, labels = cifar_rows(rng, per_batch)
        records = np.concatenate([labels.astype(np.uint8)[:, None], data], axis=1)
        records.tofile(folder / f"{name}.bin")
        batches[name] = (data, labels)
    return batches


LISTOPS_ROWS = [
    # LRA's own format: round parentheses around the generator's subtrees.
    ("( ( ( [MAX 2 ) 9 ) ( ( [MIN 4 7 ) ] ) ] )", 9),
    ("( ( ( [SM 5 ) 8 ) ( ( [MED 1 2 3 ) ] ) ] )", 5),
    ("( ( [MIN 3 ) ( ( [MAX 0 1 ) ] ) ] )", 1),
    ("( ( [MED 4 ) 8 ) ]", 6),
]


def write_listops(folder, rows=LISTOPS_ROWS):
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val", "test"):
        with open(folder / f"basic_{split}.tsv", "w") as file:
            file.write("Source\tTarget\n")
            for source, target in rows:
                file.write(f"{source}\t{target}\n")


def homology_records(rng, count, max_length=40):
    letters = "ACDEFGHIKLMNPQRSTVWY"
    return [
        {
            "id": f"protein{i}",
            "primary": "".join(rng.choice(list(letters), rng.integers(5, max_length))),
            "protein_length": 0,
            "fold_label": int(rng.integers(0, 1195)),
            "superfamily_label": 0,
            "family_label": 0,
        }
        for i in range(count)
    ]


def write_homology_json(folder, count=12, seed=0, max_length=40):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for split in ("train", "valid", "test_fold_holdout", "test_superfamily_holdout",
                  "test_family_holdout"):
        records = homology_records(rng, count, max_length)
        (folder / f"remote_homology_{split}.json").write_text(json.dumps(records))
        written[split] = records
    return written


def write_homology_lmdb(folder, split, records):
    """TAPE's LMDB layout: pickled records under b"0", b"1", ... and a count."""
    import lmdb

    env = lmdb.open(str(folder / f"remote_homology_{split}.lmdb"), map_size=1 << 24)
    with env.begin(write=True) as txn:
        txn.put(b"num_examples", pickle.dumps(len(records)))
        for i, record in enumerate(records):
            txn.put(str(i).encode(), pickle.dumps(record))
    env.close()
