"""TAPE's remote homology task: protein sequences labelled with their fold."""

import json
import os
import pickle

import numpy as np

from keras_fpt.datasets.files import find_file

NUM_FOLDS = 1195
SPLITS = (
    "train",
    "valid",
    "test_fold_holdout",
    "test_superfamily_holdout",
    "test_family_holdout",
)
TEST_SPLITS = SPLITS[2:]
# TAPE's IUPAC amino-acid letters. Id 0 is padding.
AMINO_ACIDS = "ACDEFGHIKLMNOPQRSTUVWXYZB"
TOKEN_IDS = {letter: i + 1 for i, letter in enumerate(AMINO_ACIDS)}
VOCABULARY_SIZE = len(AMINO_ACIDS) + 1

_SOURCE = (
    "TAPE's remote homology data is at https://github.com/songlab-cal/tape "
    "(data/remote_homology.tar.gz for LMDB, remote_homology json for JSON): "
    "pass the unpacked remote_homology folder, which holds "
    "remote_homology_<split>.lmdb folders or remote_homology_<split>.json "
    "files."
)


def load_remote_homology(data_dir, split, max_length=1024):
    """Reads one split of TAPE's remote homology data.

    Sequences longer than `max_length` are clipped to their first
    `max_length` residues, never dropped, so that every test protein counts.

    Args:
        data_dir: the `remote_homology` folder, with TAPE's JSON files or
            LMDB folders (LMDB needs `pip install lmdb`).
        split: one of `SPLITS`.
        max_length: int. The most residues kept per sequence.

    Returns:
        `(sequences, labels, num_clipped)`: lists of token ids, int32 fold
        labels, and how many sequences were clipped.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown remote homology split {split!r}. Use one of {list(SPLITS)}.")
    path = find_file(
        data_dir,
        [f"remote_homology_{split}.json", f"remote_homology_{split}.lmdb"],
        "remote homology",
        _SOURCE,
    )
    records = _read_json(path) if path.endswith(".json") else _read_lmdb(path)
    sequences, labels, clipped = [], [], 0
    for record in records:
        ids = encode(record["primary"])
        if len(ids) > max_length:
            ids, clipped = ids[:max_length], clipped + 1
        sequences.append(ids)
        labels.append(int(record["fold_label"]))
    return sequences, np.array(labels, "int32"), clipped


def encode(sequence):
    """Maps an amino-acid string to token ids."""
    try:
        return [TOKEN_IDS[letter] for letter in sequence.upper()]
    except KeyError as error:
        raise ValueError(
            f"Unknown amino acid {error.args[0]!r}. Known letters: {AMINO_ACIDS}"
        ) from None


def _read_json(path):
    with open(path) as file:
        return json.load(file)


def _read_lmdb(path):
    try:
        import lmdb
    except ImportError:
        raise ValueError(
            f"{path!r} is an LMDB folder; reading it needs `pip install lmdb` "
            "(or use TAPE's JSON files)."
        ) from None
    env = lmdb.open(os.fspath(path), readonly=True, lock=False, readahead=False)
    with env.begin(write=False) as txn:
        # TAPE's own format: pickled records under the keys b"0", b"1", ...
        count = pickle.loads(txn.get(b"num_examples"))
        records = [pickle.loads(txn.get(str(i).encode())) for i in range(count)]
    env.close()
    return records
