"""A Singer tap for the CSV files of a folder, built on the Singer SDK's filesystem support.

Each `*.csv` file of `path` is a stream named after the file (`one_stream_per_file`) or all of them are one
stream (`merge`); every column is a nullable string, and `key_properties` names the columns that identify
a row. Files are read whole on every run (full table): a loader that upserts on the key, such as
target-asana, makes re-runs harmless.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from singer_sdk.contrib.filesystem import FileStream, FolderTap
from singer_sdk.exceptions import ConfigValidationError


class CSVFileStream(FileStream):
    """Rows of CSV files with a header line, as records of string columns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The SDK makes file streams incremental on the file's mtime; a demo re-reads the whole file.
        self.replication_key = None  # type: ignore[assignment]
        self.primary_keys = list(self.config.get("key_properties") or [])

    def _open(self, path: str) -> Any:
        return self.filesystem.open(path, mode="r", encoding=self.config["encoding"], newline="")

    def get_schema(self, path: str) -> dict[str, Any]:
        """Every column of the header line, as a nullable string; the key columns must be there."""
        with self._open(path) as handle:
            header = next(csv.reader(handle, delimiter=self.config["delimiter"]), [])
        missing = [k for k in self.config.get("key_properties") or [] if k not in header]
        if missing:
            raise ConfigValidationError(
                "Configuration error",
                errors=[f"{path}: no column {', '.join(missing)} (key_properties)"],
            )
        return th.PropertiesList(*(th.Property(column, th.StringType) for column in header)).to_dict()

    def read_file(self, path: str) -> Iterable[dict[str, Any]]:
        """One record per data line; empty cells are empty strings, as in the file."""
        with self._open(path) as handle:
            yield from csv.DictReader(handle, delimiter=self.config["delimiter"])


class TapCSVFiles(FolderTap[CSVFileStream]):
    """The CSV files of a folder (local, FTP or SFTP), one stream per file or merged."""

    name = "tap-csv-files"
    valid_extensions = (".csv",)
    default_stream_class = CSVFileStream
    config_jsonschema = th.PropertiesList(
        th.Property(
            "key_properties",
            th.ArrayType(th.StringType),
            default=[],
            title="Key properties",
            description="Columns that identify a row in every stream (e.g. `[id]`); loaders upsert on them.",
        ),
        th.Property(
            "delimiter",
            th.StringType,
            default=",",
            title="Delimiter",
            description="Column separator.",
        ),
        th.Property(
            "encoding",
            th.StringType,
            default="utf-8",
            title="Encoding",
            description="Text encoding of the files.",
        ),
    ).to_dict()


if __name__ == "__main__":
    TapCSVFiles.cli()
