// OrderComponents from the policy: components named in restore.order first, in that order; then
// the others known to the policy; then unknown components, each group in the order WSB gave;
// every "X after Y" rule respected throughout (topological order, Kahn with priorities).
// The result is always a permutation of the input.
#pragma once

#include <cstddef>
#include <vector>

#include "core/policy/policy.hpp"
#include "platform/com/wsb_application.hpp"

namespace wsbkit {

// Indices into the input arrays, in restore order. Near linear in components + rules: patterns
// are found through their literal prefixes.
std::vector<std::size_t> order_components_by_policy(const policy::Policy& policy, const StringArray& names,
                                          const StringArray& logical_paths);

}  // namespace wsbkit
