// A vector that keeps up to N elements inline (no heap allocation for small shapes).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <vector>

namespace st {

template <typename T, size_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable<T>::value, "SmallVec holds trivially copyable types");
  T inline_[N];
  T* data_ = inline_;
  size_t size_ = 0, cap_ = N;

  void grow(size_t need) {
    size_t cap = std::max(need, cap_ * 2);
    T* p = new T[cap];
    std::memcpy(p, data_, size_ * sizeof(T));
    if (data_ != inline_) delete[] data_;
    data_ = p;
    cap_ = cap;
  }

 public:
  using value_type = T;
  SmallVec() = default;
  explicit SmallVec(size_t n, T v = T()) { resize(n, v); }
  SmallVec(std::initializer_list<T> il) { assign(il.begin(), il.end()); }
  template <typename It, typename = decltype(*std::declval<It>())>
  SmallVec(It b, It e) { assign(b, e); }
  SmallVec(const std::vector<T>& v) { assign(v.begin(), v.end()); }
  SmallVec(const SmallVec& o) { assign(o.begin(), o.end()); }
  SmallVec& operator=(const SmallVec& o) { if (this != &o) { size_ = 0; assign(o.begin(), o.end()); } return *this; }
  SmallVec(SmallVec&& o) noexcept { *this = std::move(o); }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this == &o) return *this;
    if (data_ != inline_) delete[] data_;
    if (o.data_ != o.inline_) {
      data_ = o.data_; cap_ = o.cap_; size_ = o.size_;
      o.data_ = o.inline_; o.cap_ = N; o.size_ = 0;
    } else {
      data_ = inline_; cap_ = N; size_ = o.size_;
      std::memcpy(inline_, o.inline_, size_ * sizeof(T));
      o.size_ = 0;
    }
    return *this;
  }
  ~SmallVec() { if (data_ != inline_) delete[] data_; }

  template <typename It>
  void assign(It b, It e) {
    size_ = 0;
    for (; b != e; ++b) push_back(static_cast<T>(*b));
  }
  void push_back(T v) { if (size_ == cap_) grow(size_ + 1); data_[size_++] = v; }
  void pop_back() { --size_; }
  void resize(size_t n, T v = T()) {
    if (n > cap_) grow(n);
    for (size_t i = size_; i < n; ++i) data_[i] = v;
    size_ = n;
  }
  void insert(size_t pos, T v) {
    push_back(v);
    for (size_t i = size_ - 1; i > pos; --i) data_[i] = data_[i - 1];
    data_[pos] = v;
  }
  void erase(size_t pos) {
    for (size_t i = pos; i + 1 < size_; ++i) data_[i] = data_[i + 1];
    --size_;
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::vector<T> vec() const { return std::vector<T>(begin(), end()); }
  bool operator==(const SmallVec& o) const { return size_ == o.size_ && std::equal(begin(), end(), o.begin()); }
  bool operator!=(const SmallVec& o) const { return !(*this == o); }
};

using DimVector = SmallVec<int64_t, 6>;

}  // namespace st
