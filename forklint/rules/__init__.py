"""forklint's rules: importing this package registers every one of them."""

from . import (  # noqa: F401
    frk000_unparsable_file,
    frk100_unused_noqa,
    frk101_lazy_mapper_configuration,
    frk102_template_compiled_in_job,
    frk103_regex_compiled_in_job,
    frk104_import_in_job,
    frk105_cache_filled_in_child,
    frk106_library_first_use_in_job,
    frk107_job_module_not_preloaded,
    frk108_setup_in_child_hook,
    frk901_unsafe_before_fork,
)
from .base import REGISTRY, Rule

__all__ = ["REGISTRY", "Rule"]
