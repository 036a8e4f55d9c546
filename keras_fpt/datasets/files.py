"""Finding a dataset's files, with errors that say where to get them."""

import os


def find_file(data_dir, names, dataset, source):
    """Returns the first of `names` (alternative spellings) in `data_dir`.

    Raises a `ValueError` listing every expected name and where to get the
    files when none of them is there.
    """
    data_dir = os.fspath(data_dir)
    if not os.path.isdir(data_dir):
        raise ValueError(
            f"The {dataset} folder {data_dir!r} does not exist. {source}"
        )
    for name in names:
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise ValueError(
        f"{data_dir!r} has no {dataset} file {' or '.join(map(repr, names))}. "
        f"{source}"
    )
