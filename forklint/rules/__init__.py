"""forklint's rules: importing this package registers every one of them."""

from . import (  # noqa: F401
    frk000_unparsable_file,
    frk101_lazy_mapper_configuration,
    frk104_import_in_job,
    frk107_job_module_not_preloaded,
)
from .base import REGISTRY, Rule

__all__ = ["REGISTRY", "Rule"]
