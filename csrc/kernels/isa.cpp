#include "isa.h"
#include <cstring>
#include <string>
#include <vector>

namespace st::kernels {
namespace {

bool cpu_has(const char* name) {
#if ST_GENERIC
  return std::strcmp(name, "generic") == 0;  // one table of plain C++ loops
#else
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (std::strcmp(name, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (std::strcmp(name, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#endif
  return std::strcmp(name, "base") == 0;
#endif
}

const IsaTable* best() {
  if (cpu_has("avx512")) return &avx512::table();
  if (cpu_has("avx2")) return &avx2::table();
  return &base::table();
}

const IsaTable* g_table = best();

}  // namespace

const IsaTable& isa() { return *g_table; }

std::vector<std::string> available_isas() {
  std::vector<std::string> out;
  for (const char* name : {"generic", "base", "avx2", "avx512"})
    if (cpu_has(name)) out.emplace_back(name);
  return out;
}

bool set_isa(const char* name) {
  if (!cpu_has(name)) return false;
  g_table = std::strcmp(name, "avx512") == 0 ? &avx512::table()
            : std::strcmp(name, "avx2") == 0 ? &avx2::table() : &base::table();
  return true;
}

}  // namespace st::kernels
