# The two commands of the README. Everything they need is installed by scripts/setup.sh.
.PHONY: run test build setup bench

run:   ## set up, build, start a local Flink cluster and the console at http://127.0.0.1:3000
	scripts/run.sh

test:  ## set up, build, and run all tests (Rust, real Flink, Playwright)
	scripts/test.sh

build:
	scripts/setup.sh && scripts/build.sh release

setup:
	scripts/setup.sh

bench: ## print benchmark figures (needs no running cluster; starts its own)
	scripts/bench.sh
