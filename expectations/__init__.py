"""Great Expectations suites on the marts (suites.py) and their validation (validate.py)."""

import sys

# pyspark (installed for the Spark target) calls sys.exit(0) when its Connect module is imported
# in a process whose __main__ has no file, as in the run workers the Dagster webserver starts.
# GX only probes two of its modules (Spark Connect DataFrame and session); marked absent, each
# probe gets an ImportError, which GX handles. Nothing here uses Spark Connect.
for _module in ("pyspark.sql.connect.dataframe", "pyspark.sql.connect.session"):
    sys.modules.setdefault(_module, None)
