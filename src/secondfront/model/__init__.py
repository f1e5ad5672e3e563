"""Models: the loaded Model, the network type, the YAML scenario format, BIF, XMLBIF, export."""

from secondfront.model.formats import (
    Format,
    formats,
    load,
    model_files,
    register_format,
    resolve_model,
)
from secondfront.model.grading import Grading, parse_grading
from secondfront.model.locator import Locator, parse_locator
from secondfront.model.model import Companions, Model, OutcomeRef, as_model
from secondfront.model.network import Network, Variable
from secondfront.model.parametric import logistic_cpt, noisy_max_cpt, noisy_or_cpt
from secondfront.model.scenario import check_spec, check_spec_text, load_spec, load_spec_text
from secondfront.model.schema import Claim, Indicator, Outcome, ScenarioSpec, Source, VariableSpec

__all__ = [
    "Claim",
    "Companions",
    "Format",
    "Grading",
    "Indicator",
    "Locator",
    "Model",
    "Network",
    "Outcome",
    "OutcomeRef",
    "ScenarioSpec",
    "Source",
    "Variable",
    "VariableSpec",
    "as_model",
    "check_spec",
    "check_spec_text",
    "formats",
    "load",
    "load_spec",
    "load_spec_text",
    "logistic_cpt",
    "model_files",
    "noisy_max_cpt",
    "noisy_or_cpt",
    "parse_grading",
    "parse_locator",
    "register_format",
    "resolve_model",
]
