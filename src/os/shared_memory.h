#pragma once
// One anonymous shared mapping (MAP_SHARED | MAP_ANONYMOUS), made by the master before it forks so
// that every child sees the same pages; unmapped by its owner's destructor. Pages are committed on
// first touch, so a large cache costs only what is used.

#include <cstddef>
#include <string>

namespace appserver {

class SharedMemory {
public:
    SharedMemory() = default;
    // Maps `size` zeroed bytes; false with one line in `error` when mmap fails.
    bool map(std::size_t size, std::string_view what, std::string& error);
    ~SharedMemory();
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;
    SharedMemory(SharedMemory&& other) noexcept;
    SharedMemory& operator=(SharedMemory&& other) noexcept;

    void* data() const { return memory_; }
    std::size_t size() const { return size_; }

private:
    void* memory_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace appserver
