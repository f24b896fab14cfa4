# RetailSim: `make demo` runs the whole chain on generated data (the world model trained and
# evaluated included), `make test` builds and runs every test, `make bench` measures speed and
# memory into bench/results/. Each installs what is missing.
BUILD ?= build
DATA ?= data/demo
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all install-deps configure build test demo bench format clean

all: build

install-deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null

configure: install-deps $(BUILD)/build.ninja

build: configure
	@ninja -C $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 900 -j $$(nproc)

demo: build
	@./$(BUILD)/retailsim run --config configs/demo.toml --data $(DATA)
	@echo "demo results: $(DATA) (raw/, truth/, store/, runs.sqlite); try ./$(BUILD)/retailsim inspect --data $(DATA)"

bench: build
	@bash bench/run_bench.sh $(BUILD)

format:
	@find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
