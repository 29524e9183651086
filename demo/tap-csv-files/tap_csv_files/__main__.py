from tap_csv_files.tap import TapCSVFiles

TapCSVFiles.cli()
