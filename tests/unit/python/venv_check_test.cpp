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
    EXPECT_EQ(check_venv_version(dir.string(), 3, 12), "");
    EXPECT_EQ(
        check_venv_version(dir.string(), 3, 11),
        "venv \"" + dir.string() +
            "\" was made with Python 3.12 (its pyvenv.cfg) but appserver runs Python 3.11: its packages "
            "cannot be imported; recreate it with python3.11 -m venv " +
            dir.string());
    std::ofstream(dir / "pyvenv.cfg") << "home = /usr/bin\n";  // says nothing: nothing to judge
    EXPECT_EQ(check_venv_version(dir.string(), 3, 11), "");
    std::filesystem::remove_all(dir);
    EXPECT_EQ(check_venv_version(dir.string(), 3, 11), "");  // no pyvenv.cfg: not a venv
}

}  // namespace
}  // namespace appserver::python
