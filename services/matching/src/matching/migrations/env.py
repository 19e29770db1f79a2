from chantiers_common.migrations import run_env
from matching.db import metadata

run_env(metadata)
