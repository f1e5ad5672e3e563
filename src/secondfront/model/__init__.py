"""Model specifications: the network type, the YAML scenario format, BIF, XMLBIF, export."""

from secondfront.model.formats import Format, formats, load, register_format, resolve_model
from secondfront.model.grading import Grading, parse_grading
from secondfront.model.locator import Locator, parse_locator
from secondfront.model.network import Network, Variable
from secondfront.model.parametric import logistic_cpt, noisy_max_cpt, noisy_or_cpt
from secondfront.model.scenario import check_spec, check_spec_text, load_spec, load_spec_text
from secondfront.model.schema import Claim, Indicator, Outcome, ScenarioSpec, Source, VariableSpec

__all__ = [
    "Claim",
    "Format",
    "Grading",
    "Indicator",
    "Locator",
    "Network",
    "Outcome",
    "ScenarioSpec",
    "Source",
    "Variable",
    "VariableSpec",
    "check_spec",
    "check_spec_text",
    "formats",
    "load",
    "load_spec",
    "load_spec_text",
    "logistic_cpt",
    "noisy_max_cpt",
    "noisy_or_cpt",
    "parse_grading",
    "parse_locator",
    "register_format",
    "resolve_model",
]
