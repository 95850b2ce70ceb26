# Two commands do everything on a fresh Debian 12 machine:
#   make run    install missing packages (as root), build, serve examples/hello.py on :8000
#   make test   install missing packages (as root), build, run every test
BUILD ?= build
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps build run test unit integration clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j2

run: build
	$(BUILD)/appserver --http :8000 --wsgi-file examples/hello.py

unit: build
	cd $(BUILD) && ctest --output-on-failure

integration: build
	APPSERVER_BIN=$(abspath $(BUILD))/appserver $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

test: unit integration

clean:
	rm -rf $(BUILD)
