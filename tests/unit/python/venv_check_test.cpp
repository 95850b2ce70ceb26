// A venv made with another Python is named as the cause, before "No module named ..." can happen.

#include "venv_check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace appserver::python {
namespace {

using Version = std::optional<std::pair<int, int>>;

TEST(VenvCheck, ReadsTheVersionVenvVirtualenvAndUvWrite) {
    EXPECT_EQ(pyvenv_version("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n"),
              Version(std::pair{3, 11}));
    EXPECT_EQ(pyvenv_version("home = /opt/py/bin\nimplementation = CPython\nversion_info = 3.12.1.final.0\n"
                             "virtualenv = 20.25.0\n"),
              Version(std::pair{3, 12}));
    EXPECT_EQ(pyvenv_version("version_info = 3.10.14\r\nversion = 3.10.14\r\n"), Version(std::pair{3, 10}));
    EXPECT_EQ(pyvenv_version("home = /usr/bin\n"), std::nullopt);
    EXPECT_EQ(pyvenv_version("version = three\n"), std::nullopt);
    EXPECT_EQ(pyvenv_version(""), std::nullopt);
}

TEST(VenvCheck, MismatchNamesBothVersionsAndTheFix) {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("venv_check_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "pyvenv.cfg") << "home = /usr/bin\nversion = 3.12.1\n";
    EXPECT_EQ(check_venv_version(dir.string(), "python3", 3, 12), "");
    EXPECT_EQ(check_venv_version(dir.string(), "python3", 3, 11),
              "venv \"" + dir.string() +
                  "\" was made with Python 3.12 (its pyvenv.cfg) but plugin python3 runs Python 3.11: use "
                  "`plugins = python312` (build it with `make plugin PYTHON=/path/to/python3.12`), or recreate "
                  "the venv with python3.11 -m venv " +
                  dir.string());
    // Python >= 3.11 records the interpreter that made the venv: the hint names it.
    std::filesystem::path python = dir / "python3.12";
    std::ofstream(python) << "#!/bin/sh\n";
    std::filesystem::permissions(python, std::filesystem::perms::owner_all);
    std::ofstream(dir / "pyvenv.cfg") << "home = /nowhere\nversion = 3.12.1\nexecutable = " << python.string() << "\n";
    EXPECT_NE(check_venv_version(dir.string(), "python3", 3, 11).find("`make plugin PYTHON=" + python.string() + "`"),
              std::string::npos);
    // ... only when it is a pythonX.Y of the venv's version (a copied venv may say 3.12 and name 3.11).
    std::ofstream(dir / "pyvenv.cfg") << "home = /nowhere\nversion = 3.12.1\nexecutable = /bin/sh\n";
    EXPECT_NE(check_venv_version(dir.string(), "python3", 3, 11).find("`make plugin PYTHON=/path/to/python3.12`"),
              std::string::npos);
    std::ofstream(dir / "pyvenv.cfg") << "home = /usr/bin\n";  // says nothing: nothing to judge
    EXPECT_EQ(check_venv_version(dir.string(), "python3", 3, 11), "");
    std::filesystem::remove_all(dir);
    EXPECT_EQ(check_venv_version(dir.string(), "python3", 3, 11), "");  // no pyvenv.cfg: not a venv
}

}  // namespace
}  // namespace appserver::python
