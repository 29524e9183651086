"""tap-csv-files: the CSV files of a folder as Singer streams (a demo extractor of this repository)."""
