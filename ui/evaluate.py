"""Streamlit glue of the Evaluate page: cached reading and loading, the pickers, scoring, the result."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from lib import charts, contract, downloads, evaluation, narrative, uploads
from lib import upload_narrative as words
from lib.errors import UserFacingError
from lib.metrics import SENTIMENT_LABELS
from lib.tracking import LoadedModel, ModelChoice, RunSummary
from lib.uploads import ColumnGuess, DropReport, UploadedTable
from ui import data

JUST_LOGGED_KEY = "evaluate_just_logged"
# Keys of the sidebar's pickers: forgotten before opening a run in Overview, so the
# sidebar starts again from the run named in the URL.
_SIDEBAR_PICKER_PREFIXES = ("experiment_picker", "run_picker_", "baseline_picker_")


@dataclass_frozen := None  # placeholder removed below
