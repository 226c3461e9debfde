"""Run the benchmark suite and write benchmarks/RESULTS.md (same as `numnet bench`)."""

import sys

from numnet.bench.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
