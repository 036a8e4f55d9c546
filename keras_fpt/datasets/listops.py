"""ListOps: nested list operations over digits, as in Long Range Arena.

An expression such as `[MAX 2 9 [MIN 4 7 ] 0 ]` evaluates to a digit, the
class to predict. Operators are MAX, MIN, MED (the median, rounded down) and
SM (the sum modulo 10).

Tokens are the operators with their opening bracket (`[MAX`), the digits and
the closing bracket `]`: the brackets stay, since without `]` an expression
is ambiguous. The round parentheses of LRA's TSV files only mark the
generator's tree and carry no meaning, so they are dropped. Token id 0 is
padding. A sequence longer than `max_length` (default 1000, inside GPT-2's
1024 positions) cannot be clipped without changing its answer, so readers
and generators leave such sequences out and say how many they left out.
"""

import csv

import numpy as np

from keras_fpt.datasets.files import find_file

OPERATORS = ("MAX", "MIN", "MED", "SM")
VOCABULARY = ("<pad>", *[f"[{op}" for op in OPERATORS], "]", *"0123456789")
TOKEN_IDS = {token: i for i, token in enumerate(VOCABULARY)}
NUM_CLASSES = 10
MAX_LENGTH = 1000

_SOURCE = (
    "LRA's ListOps files (basic_train.tsv, basic_val.tsv, basic_test.tsv) "
    "are in lra_release.gz from https://github.com/google-research/"
    "long-range-arena (lra_release/listops-1000). Without them, use "
    "`generate_listops()`."
)


def apply_operator(op, values):
    """Applies one ListOps operator to a list of digits."""
    if op == "MAX":
        return max(values)
    if op == "MIN":
        return min(values)
    if op == "MED":
        return int(np.median(values))
    if op == "SM":
        return sum(values) % 10
    raise ValueError(f"Unknown ListOps operator {op!r}.")


def tokenize(expression):
    """Splits an expression into tokens, dropping LRA's round parentheses."""
    tokens = expression.replace("(", " ").replace(")", " ").split()
    unknown = sorted(set(tokens) - set(TOKEN_IDS) - {"<pad>"})
    if unknown:
        raise ValueError(f"Unknown ListOps tokens {unknown} in {expression!r}.")
    return tokens


def evaluate(tokens):
    """Evaluates a tokenized expression with a stack; returns a digit."""
    if isinstance(tokens, str):
        tokens = tokenize(tokens)
    stack = [[]]
    operators = []
    for token in tokens:
        if token.startswith("["):
            operators.append(token[1:])
            stack.append([])
        elif token == "]":
            if not operators:
                raise ValueError("Unbalanced ']' in a ListOps expression.")
            value = apply_operator(operators.pop(), stack.pop())
            stack[-1].append(value)
        else:
            stack[-1].append(int(token))
    if operators or len(stack[0]) != 1:
        raise ValueError("A ListOps expression must be one balanced term.")
    return stack[0][0]


def generate_expression(rng, max_depth=10, max_args=10, max_length=MAX_LENGTH):
    """Draws one random expression (as tokens) of at most `max_length`."""
    while True:
        tokens = _draw(rng, max_depth, max_args, depth=1)
        if len(tokens) <= max_length and tokens[0].startswith("["):
            return tokens


def _draw(rng, max_depth, max_args, depth):
    # A nested term with probability that shrinks with depth, as in LRA.
    if depth < max_depth and rng.random() < 0.25 + 0.5 * (depth == 1):
        op = OPERATORS[rng.integers(len(OPERATORS))]
        tokens = [f"[{op}"]
        for _ in range(rng.integers(2, max_args + 1)):
            tokens += _draw(rng, max_depth, max_args, depth + 1)
        return tokens + ["]"]
    return [str(rng.integers(10))]


def generate_listops(num_examples, seed=0, max_depth=10, max_args=10, max_length=MAX_LENGTH):
    """Generates expressions and their values.

    Returns:
        `(sequences, labels)`: a list of token lists and an int32 array.
    """
    rng = np.random.default_rng(seed)
    sequences = [
        generate_expression(rng, max_depth, max_args, max_length)
        for _ in range(num_examples)
    ]
    return sequences, np.array([evaluate(s) for s in sequences], "int32")


def load_listops_tsv(data_dir, split, max_length=MAX_LENGTH):
    """Reads LRA's `basic_{split}.tsv` (columns `Source` and `Target`).

    Args:
        data_dir: the folder with LRA's ListOps files.
        split: `"train"`, `"val"` or `"test"`.
        max_length: sequences with more tokens are left out.

    Returns:
        `(sequences, labels, num_left_out)`.
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"Unknown ListOps split {split!r}. Use train, val or test.")
    path = find_file(data_dir, [f"basic_{split}.tsv"], "ListOps", _SOURCE)
    sequences, labels, left_out = [], [], 0
    with open(path, newline="") as file:
        for row in csv.DictReader(file, delimiter="\t"):
            tokens = tokenize(row["Source"])
            if len(tokens) > max_length:
                left_out += 1
                continue
            sequences.append(tokens)
            labels.append(int(row["Target"]))
    return sequences, np.array(labels, "int32"), left_out


def encode(sequences):
    """Maps token lists to lists of token ids."""
    return [[TOKEN_IDS[token] for token in tokens] for tokens in sequences]
