// The DLPack exchange structures (the C ABI of dmlc/dlpack, versions 0.8 and
// 1.x), written from the specification: a producer hands a consumer a
// DLManagedTensor (or DLManagedTensorVersioned) in a PyCapsule named
// "dltensor" ("dltensor_versioned"); the consumer renames the capsule to
// "used_dltensor" ("used_dltensor_versioned") and calls `deleter` when done.
#pragma once
#include <cstdint>

namespace st::dlpack {

enum DeviceType : int32_t { kCPU = 1, kCUDAHost = 3 };
enum TypeCode : uint8_t { kInt = 0, kUInt = 1, kFloat = 2, kBfloat = 4, kBool = 6 };

struct Device {
  int32_t device_type;
  int32_t device_id;
};
struct DataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; null means compact row-major
  uint64_t byte_offset;
};
struct ManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};
struct Version {
  uint32_t major;
  uint32_t minor;
};
struct ManagedTensorVersioned {
  Version version;
  void* manager_ctx;
  void (*deleter)(ManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
};
constexpr uint64_t kFlagReadOnly = 1ull << 0;
constexpr uint64_t kFlagIsCopied = 1ull << 1;

}  // namespace st::dlpack
