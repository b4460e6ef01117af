"""The async source of the pipeline (see flow.py)."""
