"""The only module that talks to MLflow: read experiments, runs and artifacts; log runs.

Everything else in the app receives dataframes and the small dataclasses defined here,
so a different tracking backend would touch this file only. ``mlflow`` is imported
lazily: importing it costs about 1.5 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from lib.access.redaction import redacted
from lib.errors import UserFacingError
from lib.stores import contract, run_health

# An unreachable server should fail within seconds, not after minutes of retries.
# The app loads the models of the tracking store it is pointed at, which it trusts (see README).
_MLFLOW_ENV_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
    "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true",
}
_METRICS_PER_BATCH = 1000
_MODEL_VERSIONS_LISTED = 20
_SCHEMA_SAMPLE_ROWS = 1000


@dataclass(frozen=True)
class ExperimentSummary:
    """An MLflow experiment as the app lists it."""

    experiment_id: str
    name: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSummary:
    """An MLflow run with what the app needs to list, pick and describe it."""

    run_id: str
    experiment_id: str
    name: str
    status: str
    start_time: datetime | None
    metrics: Mapping[str, float]
    params: Mapping[str, str]
    tags: Mapping[str, str]

    @property
    def is_baseline(self) -> bool:
        """True when the run is tagged as its experiment's baseline."""
        return self.tags.get(contract.TAG_ROLE) == contract.ROLE_BASELINE

    @property
    def is_finished(self) -> bool:
        """True when the run completed; only then does its data never change."""
        return self.status == "FINISHED"

    @property
    def model_description(self) -> str:
        """A readable description of the model, or an empty string when unknown."""
        return self.tags.get(contract.TAG_MODEL_DESCRIPTION, "")

    @property
    def model_uri(self) -> str:
        """The URI of the model this run evaluated, or an empty string."""
        return self.tags.get(contract.TAG_MODEL_URI, "")

    @property
    def dataset_hash(self) -> str:
        """Content hash of the evaluation data, or an empty string when not recorded."""
        return self.tags.get(contract.TAG_DATASET_HASH, "")

    @property
    def dataset_hash_scheme(self) -> str:
        """How ``dataset_hash`` was computed (``contract.DATASET_HASH_SCHEME`` for runs logged now)."""
        return self.tags.get(contract.TAG_DATASET_HASH_SCHEME, contract.LEGACY_DATASET_HASH_SCHEME)


def _sklearn_model_requirements() -> list[str]:
    """The pinned packages a scikit-learn pipeline of this app needs to load and predict.

    The same list MLflow infers, without its inference: that imports the model in a
    subprocess and took about 15 s per model. MLflow adds its own pin.
    """
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("cloudpickle", "numpy", "pandas", "scikit-learn", "scipy")]


class TrackingStore:
    """A facade over one MLflow tracking store (local SQLite file or remote server)."""

    def __init__(self, tracking_uri: str) -> None:
        for name, value in _MLFLOW_ENV_DEFAULTS.items():
            os.environ.setdefault(name, value)
        from mlflow import MlflowClient

        self.tracking_uri = tracking_uri
        self._client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)

    def _use_globally(self) -> None:
        """Point MLflow's fluent API (model logging and loading) at this store."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)

    def _unreachable(self, error: Exception) -> UserFacingError:
        return UserFacingError(
            f"The MLflow tracking store at {redacted(self.tracking_uri)} cannot be read right now ({type(error).__name__}).",
            "Check that the MLflow server is running and that MLFLOW_TRACKING_URI is right, then press Refresh.",
        )

    # ---- reading -------------------------------------------------------------------

    def experiments(self) -> list[ExperimentSummary]:
        """Active experiments, newest first; MLflow's 'Default' experiment only when it has runs."""
        try:
            found = self._client.search_experiments(order_by=["creation_time DESC"])
            return [
                ExperimentSummary(exp.experiment_id, exp.name, dict(exp.tags))
                for exp in found
                if exp.name != "Default" or self._has_runs(exp.experiment_id)
            ]
        except Exception as error:  # any transport or store failure means "unreachable"
            raise self._unreachable(error) from error

    def _has_runs(self, experiment_id: str) -> bool:
        return bool(self._client.search_runs([experiment_id], max_results=1))

    def experiment_by_name(self, name: str) -> ExperimentSummary | None:
        """The active experiment with this name, if any."""
        exp = self._client.get_experiment_by_name(name)
        if exp is None or exp.lifecycle_stage != "active":
            return None
        return ExperimentSummary(exp.experiment_id, exp.name, dict(exp.tags))

    def runs(self, experiment_id: str) -> list[RunSummary]:
        """Active runs of one experiment, newest first."""
        try:
            runs = self._client.search_runs([experiment_id], order_by=["attributes.start_time DESC"], max_results=1000)
        except Exception as error:
            raise self._unreachable(error) from error
        return [_run_summary(run) for run in runs]

    def run(self, run_id: str) -> RunSummary:
        """One run by id."""
        try:
            return _run_summary(self._client.get_run(run_id))
        except Exception as error:
            raise UserFacingError(f"Run {run_id} could not be read.", "It may have been deleted; pick another run.") from error

    def running_runs(self) -> list[RunSummary]:
        """RUNNING runs of every active experiment, oldest first."""
        try:
            experiment_ids = [exp.experiment_id for exp in self._client.search_experiments()]
            found = self._client.search_runs(
                experiment_ids, "attributes.status = 'RUNNING'", order_by=["attributes.start_time ASC"], max_results=1000
            )
        except Exception as error:
            raise self._unreachable(error) from error
        return [_run_summary(run) for run in found]

    def artifact_names(self, run_id: str) -> list[str]:
        """Names of the top-level artifacts of a run (empty when it has none).

        A listing that fails raises instead of answering "none": callers cache the answer
        for a finished run, and an outage must not turn into "this run has no predictions".
        """
        try:
            return sorted(Path(info.path).name for info in self._client.list_artifacts(run_id))
        except Exception as error:
            raise self._unreachable(error) from error

    def predictions(self, run_id: str) -> pd.DataFrame | None:
        """The run's predictions artifact as a dataframe, or None when the run has none."""
        if contract.PREDICTIONS_ARTIFACT not in self.artifact_names(run_id):
            return None
        with tempfile.TemporaryDirectory() as tmp:
            return pd.read_parquet(self._downloaded(run_id, contract.PREDICTIONS_ARTIFACT, tmp))

    def dataframe_artifact(self, run_id: str, name: str) -> pd.DataFrame | None:
        """A Parquet artifact of the run as a dataframe, or None when it is missing."""
        if name not in self.artifact_names(run_id):
            return None
        with tempfile.TemporaryDirectory() as tmp:
            return pd.read_parquet(self._downloaded(run_id, name, tmp))

    def json_artifact(self, run_id: str, name: str) -> Any | None:
        """A JSON artifact of the run, parsed, or None when it is missing."""
        if name not in self.artifact_names(run_id):
            return None
        with tempfile.TemporaryDirectory() as tmp:
            return json.loads(Path(self._downloaded(run_id, name, tmp)).read_text())

    def _downloaded(self, run_id: str, name: str, folder: str) -> str:
        try:
            return self._client.download_artifacts(run_id, name, folder)
        except Exception as error:
            raise self._unreachable(error) from error

    def load_model(self, model_uri: str) -> Any:
        """Load a model (``runs:/…``, ``models:/name@alias``, ``models:/m-…``) as a pyfunc."""
        import mlflow.pyfunc

        self._use_globally()
        try:
            return mlflow.pyfunc.load_model(model_uri)
        except Exception as error:
            raise UserFacingError(
                f"The model {redacted(model_uri)} could not be loaded.", "Pick another model or check that its files still exist."
            ) from error

    def load_sklearn_model(self, model_uri: str) -> Any | None:
        """The native scikit-learn model behind a URI, or None when it is not a scikit-learn model."""
        import mlflow.sklearn
        from mlflow.models import get_model_info

        self._use_globally()
        try:
            if "sklearn" not in get_model_info(model_uri).flavors:
                return None
            return mlflow.sklearn.load_model(model_uri)
        except Exception as error:
            raise UserFacingError(
                f"The model {redacted(model_uri)} could not be loaded.", "Pick another model or check that its files still exist."
            ) from error

    # ---- writing -------------------------------------------------------------------

    def ensure_experiment(self, name: str, tags: Mapping[str, str] | None = None, artifact_location: str | None = None) -> str:
        """Id of the active experiment called ``name``, created when missing.

        In a SQLite store, artifacts default to an ``artifacts`` folder beside the database
        file; MLflow's own default (``./mlruns``) depends on the working directory.
        """
        existing = self.experiment_by_name(name)
        if existing is not None:
            return existing.experiment_id
        if artifact_location is None and self.tracking_uri.startswith("sqlite:///"):
            database = Path(self.tracking_uri.removeprefix("sqlite:///").split("?", 1)[0])
            artifact_location = (database.parent / "artifacts").resolve().as_uri()
        return self._client.create_experiment(name, artifact_location=artifact_location, tags=dict(tags or {}))

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set one experiment tag."""
        self._client.set_experiment_tag(experiment_id, key, value)

    def delete_runs(self, experiment_id: str) -> int:
        """Delete every active run of an experiment; returns how many were deleted."""
        runs = self._client.search_runs([experiment_id], max_results=1000)
        for run in runs:
            self._client.delete_run(run.info.run_id)
        return len(runs)

    def delete_registered_model(self, name: str) -> None:
        """Delete a registered model and its versions, if it exists."""
        from mlflow.exceptions import MlflowException

        with contextlib.suppress(MlflowException):
            self._client.delete_registered_model(name)

    def start_run(self, experiment_id: str, run_name: str, tags: Mapping[str, str]) -> str:
        """Create a RUNNING run naming this process as its writer (see lib/stores/run_health.py) and return its id."""
        tags = {**tags, contract.TAG_WRITER: run_health.writer_identity()}
        return self._client.create_run(experiment_id, run_name=run_name, tags=tags).info.run_id

    def finish_run(self, run_id: str) -> None:
        """Mark a run FINISHED."""
        self._client.set_terminated(run_id, "FINISHED")

    def fail_run(self, run_id: str, reason: str) -> None:
        """Mark a run FAILED and record the reason as a tag."""
        self._client.set_tag(run_id, contract.TAG_FAILURE, redacted(reason)[:4000])
        self._client.set_terminated(run_id, "FAILED")

    @contextlib.contextmanager
    def failing_on_error(self, run_id: str | None) -> Iterator[None]:
        """Mark the run (when there is one) FAILED, with the error as its reason, when the block raises."""
        try:
            yield
        except BaseException as error:
            if run_id is not None:
                self.fail_run(run_id, f"{type(error).__name__}: {error}")
            raise

    @contextlib.contextmanager
    def writing_run(self, experiment_id: str, run_name: str, tags: Mapping[str, str]) -> Iterator[str]:
        """A new RUNNING run for the block to write: FINISHED when the block ends (unless it ended the run itself), FAILED if it raises."""
        run_id = self.start_run(experiment_id, run_name, tags)
        with self.failing_on_error(run_id):
            yield run_id
        if self._client.get_run(run_id).info.status == "RUNNING":
            self.finish_run(run_id)

    def log_values(
        self, run_id: str, metrics: Mapping[str, float], params: Mapping[str, Any] | None = None, tags: Mapping[str, str] | None = None
    ) -> None:
        """Log metrics, params and tags in as few requests as MLflow's limits allow."""
        from mlflow.entities import Metric, Param, RunTag

        now = int(datetime.now(UTC).timestamp() * 1000)
        metric_list = [Metric(k, float(v), now, 0) for k, v in metrics.items()]
        for start in range(0, max(len(metric_list), 1), _METRICS_PER_BATCH):
            self._client.log_batch(
                run_id,
                metrics=metric_list[start : start + _METRICS_PER_BATCH],
                params=[Param(k, str(v)[:6000]) for k, v in (params or {}).items()] if start == 0 else [],
                tags=[RunTag(k, str(v)) for k, v in (tags or {}).items()] if start == 0 else [],
            )

    def log_dataframe_artifact(self, run_id: str, frame: pd.DataFrame, name: str) -> None:
        """Store a dataframe as a Parquet artifact called ``name``."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            frame.to_parquet(path, index=False)
            self._client.log_artifact(run_id, str(path))

    def log_json_artifact(self, run_id: str, data: Any, name: str) -> None:
        """Store a JSON-serialisable object as an artifact called ``name``."""
        self._client.log_dict(run_id, data, name)

    def log_dataset_input(self, run_id: str, frame: pd.DataFrame, *, name: str, digest: str, source: str, targets: str | None) -> None:
        """Record the evaluation dataset as the run's input, so the MLflow UI shows it."""
        import mlflow.data
        from mlflow.entities import DatasetInput, InputTag
        from mlflow.models import infer_signature

        dataset = mlflow.data.from_pandas(frame, source=source, name=name, digest=digest, targets=targets)
        # MLflow infers the schema value by value in Python (1.3 s for 200,000 reviews). A
        # column has one dtype, so the first rows plus a row where each column is missing
        # (which makes it optional) give the same schema in milliseconds.
        missing = [frame[column].isna().idxmax() for column in frame.columns if frame[column].isna().any()]
        dataset.schema = infer_signature(pd.concat([frame.head(_SCHEMA_SAMPLE_ROWS), frame.loc[missing]])).inputs
        tag = InputTag(key="mlflow.data.context", value="evaluation")
        self._client.log_inputs(run_id, datasets=[DatasetInput(dataset._to_mlflow_entity(), tags=[tag])])

    def log_sklearn_model(
        self, run_id: str, model: Any, input_example: pd.DataFrame, registered_name: str | None = None
    ) -> tuple[str, str | None]:
        """Log a scikit-learn model in a run; returns (model URI, registered version or None)."""
        import mlflow
        import mlflow.sklearn
        from mlflow.models import infer_signature

        self._use_globally()
        signature = infer_signature(input_example, model.predict(input_example))
        with mlflow.start_run(run_id=run_id):
            # skops (MLflow's default) needs ~50 s for a large TF-IDF vocabulary; loading is
            # gated by MLFLOW_ALLOW_PICKLE_DESERIALIZATION for every format anyway.
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                input_example=input_example,
                signature=signature,
                serialization_format="cloudpickle",
                pip_requirements=_sklearn_model_requirements(),
            )
        # Leaving the fluent context ended the run FINISHED; it is not, until the caller has logged the rest.
        self._client.update_run(run_id, status="RUNNING")
        version = None
        if registered_name:
            version = mlflow.register_model(info.model_uri, registered_name).version
        return info.model_uri, None if version is None else str(version)

    def run_mlflow_evaluate(self, run_id: str, model_uri: str, data: pd.DataFrame, targets: str) -> dict[str, float]:
        """Evaluate a model with ``mlflow.models.evaluate`` (the seed article's way) inside a run."""
        import mlflow

        self._use_globally()
        with mlflow.start_run(run_id=run_id):
            result = mlflow.models.evaluate(model_uri, data, targets=targets, model_type="classifier", evaluators=["default"])
        return dict(result.metrics)

    def set_model_alias(self, registered_name: str, alias: str, version: str) -> None:
        """Point an alias (e.g. ``champion``) of a registered model at a version."""
        self._client.set_registered_model_alias(registered_name, alias, version)

    def registered_model_aliases(self, registered_name: str) -> dict[str, str]:
        """Alias -> version of a registered model (empty when the model does not exist)."""
        from mlflow.exceptions import MlflowException

        try:
            # MLflow gives versions as int here but as str everywhere else.
            return {alias: str(version) for alias, version in self._client.get_registered_model(registered_name).aliases.items()}
        except MlflowException:
            return {}

    # ---- models to evaluate with -----------------------------------------------------

    def model_choices(self) -> list[ModelChoice]:
        """Registered models (aliases first, then versions newest first), then other models named by runs.

        Each choice carries the experiment of the model's own origin (a version's source run,
        a ``runs:/`` URI's run, a logged model's experiment), never that of a run naming it.
        """
        try:
            experiment_ids = [exp.experiment_id for exp in self._client.search_experiments()]
            choices: list[ModelChoice] = []
            for registered in self._client.search_registered_models(max_results=100):
                versions = sorted(
                    self._client.search_model_versions(f"name='{registered.name}'", max_results=_MODEL_VERSIONS_LISTED),
                    key=lambda v: int(v.version),
                    reverse=True,
                )
                origins = self._runs_by_id(experiment_ids, {v.run_id for v in versions if v.run_id})
                by_version = {str(v.version): v for v in versions}
                for alias, version in sorted(registered.aliases.items()):
                    if str(version) in by_version:
                        choices.append(_version_choice(registered.name, by_version[str(version)], origins, alias))
                choices += [_version_choice(registered.name, v, origins) for v in versions]
            known = {choice.version_uri for choice in choices} | {choice.uri for choice in choices}
            tagged = self._client.search_runs(experiment_ids, f"tags.`{contract.TAG_MODEL_URI}` LIKE '%'", max_results=1000)
        except Exception as error:
            raise self._unreachable(error) from error
        for run in tagged:
            uri = run.data.tags[contract.TAG_MODEL_URI]
            if uri and uri not in known:
                known.add(uri)
                description = run.data.tags.get(contract.TAG_MODEL_DESCRIPTION, "")
                choices.append(ModelChoice(uri, uri, run.info.run_name or uri, description, self._origin_experiment(uri)))
        return choices

    def _runs_by_id(self, experiment_ids: list[str], run_ids: set[str]) -> dict[str, Any]:
        if not run_ids:
            return {}
        quoted = ", ".join(f"'{run_id}'" for run_id in sorted(run_ids))
        runs = self._client.search_runs(experiment_ids, f"attributes.run_id IN ({quoted})", max_results=len(run_ids))
        return {run.info.run_id: run for run in runs}

    def _origin_experiment(self, uri: str) -> str | None:
        """The experiment a model URI comes from (None when unknown, gone, or not a model of this store)."""
        try:
            return self.model_choice(uri).experiment_id
        except UserFacingError:
            return None

    def model_choice(self, uri: str) -> ModelChoice:
        """A model named by URI (``models:/name@alias``, ``models:/name/3``, ``models:/m-…``, ``runs:/…``), resolved to its origin.

        ``experiment_id`` is where the model itself was logged: a registered version's source
        run, a logged model's experiment, a ``runs:/`` URI's run; None for anything else.
        """
        uri = uri.strip()
        registry = re.fullmatch(r"models:/([^/@]+)(?:@([^/]+)|/(\d+))", uri)
        logged_model = re.fullmatch(r"models:/(m-[0-9a-f]+)", uri)
        logged_by = re.fullmatch(r"runs:/([0-9a-f]+)/.+", uri)
        try:
            if logged_model:
                found = self._client.get_logged_model(logged_model[1])
                return ModelChoice(uri, uri, found.name or uri, "", found.experiment_id)
            if registry:
                name, alias, version = registry.groups()
                found = self._client.get_model_version_by_alias(name, alias) if alias else self._client.get_model_version(name, version)
                origins = {found.run_id: self._client.get_run(found.run_id)} if found.run_id else {}
                return _version_choice(name, found, origins, alias or "")
            run = self._client.get_run(logged_by[1]) if logged_by else None
        except Exception as error:
            raise UserFacingError(
                f"No model was found at “{redacted(uri)}”.",
                "Check its name and version or alias, for example models:/sentiment-demo-classifier@champion.",
            ) from error
        if run is None:
            return ModelChoice(uri, uri, uri, "", None)
        return ModelChoice(
            uri, uri, run.info.run_name or uri, run.data.tags.get(contract.TAG_MODEL_DESCRIPTION, ""), run.info.experiment_id
        )

    def load_scoring_model(self, model_uri: str) -> LoadedModel:
        """Load a model once for scoring: scikit-learn ones natively (so ``predict_proba`` works), others as pyfunc."""
        from mlflow.models import get_model_info

        model = self.load_sklearn_model(model_uri)
        if model is None:
            model = self.load_model(model_uri)
        else:  # the same answers, faster; imported here as it loads scikit-learn
            from lib.scoring.vectorised_words import with_vectorised_word_counting

            model = with_vectorised_word_counting(model)
        signature = get_model_info(model_uri).signature
        inputs = signature.inputs.input_names() if signature is not None else []
        return LoadedModel(model, model_uri, str(inputs[0]) if len(inputs) == 1 else contract.TEXT)

    def finished_runs_tagged(self, tags: Mapping[str, str], limit: int = 10) -> list[RunSummary]:
        """The ``limit`` newest FINISHED runs of any experiment carrying all these tag values, newest first."""
        clauses = ["attributes.status = 'FINISHED'"]
        for key, value in tags.items():
            if "'" in value:  # cannot occur in the app's own hashes and model URIs
                return []
            clauses.append(f"tags.`{key}` = '{value}'")
        try:
            experiment_ids = [exp.experiment_id for exp in self._client.search_experiments()]
            runs = self._client.search_runs(
                experiment_ids, " and ".join(clauses), order_by=["attributes.start_time DESC"], max_results=limit
            )
        except Exception as error:
            raise self._unreachable(error) from error
        return [_run_summary(run) for run in runs]

    def labelled_runs_of_model(self, model_uri: str, limit: int = 50) -> list[RunSummary]:
        """FINISHED runs of any experiment that evaluated this exact model URI on true labels (they log ``accuracy_score``), newest first."""
        if "'" in model_uri or not model_uri:
            return []
        where = f"attributes.status = 'FINISHED' and tags.`{contract.TAG_MODEL_URI}` = '{model_uri}' and metrics.accuracy_score >= 0"
        try:
            experiment_ids = [exp.experiment_id for exp in self._client.search_experiments()]
            runs = self._client.search_runs(experiment_ids, where, order_by=["attributes.start_time DESC"], max_results=limit)
        except Exception as error:
            raise self._unreachable(error) from error
        return [_run_summary(run) for run in runs]


def _run_summary(run: Any) -> RunSummary:
    info, data = run.info, run.data
    started = datetime.fromtimestamp(info.start_time / 1000, tz=UTC) if info.start_time else None
    return RunSummary(
        run_id=info.run_id,
        experiment_id=info.experiment_id,
        name=info.run_name or info.run_id[:8],
        status=info.status,
        start_time=started,
        metrics=dict(data.metrics),
        params=dict(data.params),
        tags=dict(data.tags),
    )


def is_store_model_uri(uri: str) -> bool:
    """True for a plain ``models:/`` or ``runs:/`` URI of this store: no other scheme or host, no ``..``, no escapes.

    What a user who is not an admin may type: anything else (``file:``, ``s3:``,
    ``runs://other-host/…``, ``runs:/<id>/../…``, ``%2e%2e``) could reach beyond the runs
    they may see.
    """
    text = str(uri).strip()
    shape = re.fullmatch(r"(?:models|runs):/([^/?#%\\\x00-\x1f\x7f]+(?:/[^/?#%\\\x00-\x1f\x7f]+)*)", text)
    return shape is not None and ".." not in text and "." not in shape[1].split("/")


@dataclass(frozen=True)
class ModelChoice:
    """A model a file can be evaluated with, as the app offers it."""

    uri: str  # as offered: models:/name@alias, models:/name/3, or the URI a run names
    version_uri: str  # the exact model (an alias resolved to models:/name/<version>); logged with the run
    name: str  # registered model name, or the name of the run that names the model
    description: str
    experiment_id: str | None  # where the model itself was logged (its origin): who may use it, and the default home of its evaluations
    alias: str = ""
    version: str = ""


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded once for scoring, with the input column its signature asks for."""

    model: Any
    uri: str
    input_column: str = contract.TEXT


def _version_choice(name: str, version: Any, origins: Mapping[str, Any], alias: str = "") -> ModelChoice:
    origin = origins.get(version.run_id)
    tags = origin.data.tags if origin is not None else {}
    description = tags.get(contract.TAG_MODEL_DESCRIPTION) or version.description or ""
    uri = f"models:/{name}@{alias}" if alias else f"models:/{name}/{version.version}"
    experiment_id = origin.info.experiment_id if origin is not None else None
    return ModelChoice(uri, f"models:/{name}/{version.version}", name, description, experiment_id, alias, str(version.version))
