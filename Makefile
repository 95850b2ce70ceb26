# Two commands do everything on a fresh Debian 12 machine:
#   make run    install missing build packages (as root), build, serve examples/hello.py on :8000
#   make test   install missing build and test packages (as root), build, run every test
# `make` alone builds with the build packages only (scripts/install-deps.sh build): no test tools.
BUILD ?= build
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: build deps deps-test build-tests run test unit integration chaos sanitize fuzz install deb \
	package-test clean plugin test-interpreters

# The first target: what `make` alone does. The unit tests need GoogleTest, a test package, so a
# plain build leaves them out (APPSERVER_TESTS=OFF); the test targets turn them on.
build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DAPPSERVER_TESTS=OFF >/dev/null
	cmake --build $(BUILD) -j2

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build-tests: deps-test
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DAPPSERVER_TESTS=ON >/dev/null
	cmake --build $(BUILD) -j2

run: build
	$(BUILD)/appserver --http :8000 --wsgi-file examples/hello.py

unit: build-tests
	cd $(BUILD) && ctest --output-on-failure

integration: build-tests
	APPSERVER_BIN=$(abspath $(BUILD))/appserver $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# Hostile clients, crashing apps, signals at the worst moment (tests/chaos).
chaos: build-tests
	APPSERVER_BIN=$(abspath $(BUILD))/appserver $(PYTHON) -m pytest -q -p no:cacheprovider tests/chaos

test: unit integration chaos

# The Python plugin for another interpreter (it needs a shared libpython): `make plugin
# PYTHON=/path/to/python3.12` builds $(BUILD)/plugins/python312_plugin.so; `plugins = python312` uses it.
plugin:
	@test "$(PYTHON)" != /usr/bin/python3 || { echo "make plugin: give the interpreter: make plugin PYTHON=/path/to/python3.X"; exit 2; }
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DAPPSERVER_ADD_PYTHON=$(PYTHON) >/dev/null
	cmake --build $(BUILD) -j2 --target python_plugins

# The WSGI and Flask integration tests again under a second interpreter's plugin (the first of
# OTHER_PYTHONS found). Without one it says so, and fails only in CI (CI=true).
OTHER_PYTHONS ?= /root/.pyenv/versions/3.12.1/bin/python3.12 /root/.pyenv/versions/3.13.0/bin/python3.13 \
	/usr/bin/python3.12 /usr/bin/python3.13 /usr/local/bin/python3.12 /usr/local/bin/python3.13
INTERPRETER_TESTS = tests/integration/test_interpreter.py tests/integration/test_wsgi.py tests/integration/test_flask.py \
	tests/integration/test_mount.py tests/integration/test_uwsgi_module.py tests/integration/test_venv.py \
	tests/integration/test_http.py
test-interpreters: build
	@other=""; for p in $(OTHER_PYTHONS); do if [ -x "$$p" ]; then other=$$p; break; fi; done; \
	if [ -z "$$other" ]; then \
	  echo "*** test-interpreters: no second Python interpreter found (looked for $(OTHER_PYTHONS)) ***"; \
	  if [ "$$CI" = true ]; then exit 1; else exit 0; fi; \
	fi; \
	name=$$($$other -c 'import sys; print("python%d%d" % sys.version_info[:2])'); \
	$(MAKE) --no-print-directory plugin PYTHON=$$other && \
	APPSERVER_BIN=$(abspath $(BUILD))/appserver \
	  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/test_plugins.py && \
	echo "test-interpreters: $(INTERPRETER_TESTS) with plugin $$name ($$other)" && \
	APPSERVER_PLUGIN=$$name APPSERVER_BIN=$(abspath $(BUILD))/appserver \
	  /usr/bin/python3 -m pytest -q -p no:cacheprovider $(INTERPRETER_TESTS)

# The unit and integration tests again, built with AddressSanitizer + UndefinedBehaviorSanitizer (gcc).
# detect_leaks=0: the binary embeds CPython, whose arenas and interned objects are still allocated at
# exit and would all be reported as leaks. Every process (master, workers, unit tests) writes its
# reports under asan-logs/ instead of stderr, which the tests capture; any error report (ASan/LSan
# "ERROR:", UBSan "runtime error:") fails the target. A warning alone is printed, not failed: ASan's
# "ignoring requested __asan_handle_no_return" (a noreturn call on a stack it does not know) came once
# in a CI run of the whole suite and never again file by file.
SAN_LOGS = $(abspath $(ASAN_BUILD))/asan-logs
SAN_ENV = ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1:log_path=$(SAN_LOGS)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_LOGS)/ubsan

sanitize: deps-test
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DAPPSERVER_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j2
	rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	@status=0; \
	(cd $(ASAN_BUILD) && $(SAN_ENV) ctest --output-on-failure) || status=1; \
	$(SAN_ENV) APPSERVER_BIN=$(abspath $(ASAN_BUILD))/appserver \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration || status=1; \
	if [ -n "$$(ls -A $(SAN_LOGS))" ]; then \
	  echo "sanitizer output in $(SAN_LOGS):"; head -n 60 $(SAN_LOGS)/*; \
	  if grep -qE "ERROR: [A-Za-z]+Sanitizer|runtime error:|SUMMARY: " $(SAN_LOGS)/*; then status=1; \
	  else echo "(warnings only, no sanitizer error report)"; fi; \
	fi; \
	exit $$status

# libFuzzer targets (tests/fuzz), clang only, FUZZ_TIME seconds each over the seed corpora.
fuzz:
	@scripts/install-deps.sh fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DAPPSERVER_FUZZ=ON -DAPPSERVER_SANITIZE=ON -DAPPSERVER_TESTS=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j2 --target fuzz_targets
	FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh $(FUZZ_BUILD)

# Installs under $(PREFIX) (/usr/local), inside $(DESTDIR) when set (staging, packaging).
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX) --component extra_python_plugins

# $(BUILD)/appserver_<version>_<arch>.deb (CPack; cmake/package.cmake). Depends computed by dpkg-shlibdeps.
deb: build
	@scripts/install-deps.sh package
	cd $(BUILD) && cpack -G DEB

# Installs into a scratch prefix, builds the .deb, unpacks it and runs what it installed
# (tests/package); as root with CI=true also apt-get installs and removes it.
package-test: build
	@scripts/install-deps.sh test package
	APPSERVER_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/package

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
