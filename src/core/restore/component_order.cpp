#include "core/restore/component_order.hpp"

#include <algorithm>
#include <cstdint>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

// The literal start of a pattern, lower case: "LedgerDB*" -> "ledgerdb".
std::string literal_prefix(const std::string& pattern) {
  return to_lower_ascii(pattern.substr(0, pattern.find_first_of("*?")));
}

// Which policy component ids each input component matches. Every pattern is indexed by its
// literal prefix, so a component is only tested against patterns whose prefix starts its name
// (or logical path): 10,000 components x 1,000 wildcard ids stays near linear.
std::vector<std::vector<std::size_t>> match_ids(const std::vector<const policy::ComponentMatch*>& ids,
                                                const StringArray& names, const StringArray& paths) {
  std::unordered_map<std::string, std::vector<std::size_t>> by_name_prefix, by_path_prefix;
  for (std::size_t id = 0; id < ids.size(); ++id) {
    const auto& m = *ids[id];
    // Index by names when there are any (every name pattern must then match anyway).
    if (!m.names.empty()) {
      for (const auto& n : m.names) by_name_prefix[literal_prefix(n)].push_back(id);
    } else {
      for (const auto& p : m.logical_paths) by_path_prefix[literal_prefix(p)].push_back(id);
    }
  }
  auto candidates_of = [](const std::unordered_map<std::string, std::vector<std::size_t>>& index,
                          const OptionalString& text, std::vector<std::size_t>& out) {
    if (index.empty() || !text) return;
    const std::string lower = to_lower_ascii(*text);
    for (std::size_t k = 0; k <= lower.size(); ++k) {
      const auto it = index.find(lower.substr(0, k));
      if (it != index.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
  };
  std::vector<std::vector<std::size_t>> out(names.size());
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const OptionalString& path = i < paths.size() ? paths[i] : std::nullopt;
    candidates.clear();
    candidates_of(by_name_prefix, names[i], candidates);
    candidates_of(by_path_prefix, path, candidates);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (auto id : candidates) {
      if (ids[id]->matches(names[i], path)) out[i].push_back(id);
    }
  }
  return out;
}

}  // namespace

std::vector<std::size_t> order_components_by_policy(const policy::Policy& policy, const StringArray& names,
                                          const StringArray& logical_paths) {
  const std::size_t n = names.size();
  std::vector<const policy::ComponentMatch*> ids;
  std::unordered_map<std::string, std::size_t> id_index;
  for (const auto& [id, match] : policy.components) {
    id_index[id] = ids.size();
    ids.push_back(&match);
  }
  const auto matches = match_ids(ids, names, logical_paths);

  std::vector<std::size_t> rank(ids.size(), SIZE_MAX);  // position in restore.order
  for (std::size_t k = 0; k < policy.restore.order.size(); ++k) {
    const auto it = id_index.find(policy.restore.order[k]);
    if (it != id_index.end() && rank[it->second] == SIZE_MAX) rank[it->second] = k;
  }
  std::vector<std::vector<std::size_t>> instances(ids.size());  // id -> input components
  for (std::size_t i = 0; i < n; ++i) {
    for (auto id : matches[i]) instances[id].push_back(i);
  }

  // Nodes 0..n-1 are components; one barrier node per rule carries "after Y" to "X" without
  // |X| x |Y| edges.
  const std::size_t rules = policy.restore.after.size();
  std::vector<std::vector<std::size_t>> edges(n + rules);
  std::vector<std::size_t> indegree(n + rules, 0);
  for (std::size_t r = 0; r < rules; ++r) {
    const auto x = id_index.find(policy.restore.after[r].component);
    const auto y = id_index.find(policy.restore.after[r].after);
    if (x == id_index.end() || y == id_index.end()) continue;
    const std::size_t barrier = n + r;
    for (auto i : instances[y->second]) {
      edges[i].push_back(barrier);
      ++indegree[barrier];
    }
    for (auto i : instances[x->second]) {
      if (std::find(instances[y->second].begin(), instances[y->second].end(), i) != instances[y->second].end()) {
        continue;  // a component matching both sides cannot wait for itself
      }
      edges[barrier].push_back(i);
      ++indegree[i];
    }
  }

  // Priority: barriers first (they emit nothing), then (group, rank, input index).
  using Key = std::tuple<int, std::size_t, std::size_t>;
  auto key_of = [&](std::size_t node) -> Key {
    if (node >= n) return {-1, 0, node};
    std::size_t best = SIZE_MAX;
    for (auto id : matches[node]) best = std::min(best, rank[id]);
    const int group = best != SIZE_MAX ? 0 : (!matches[node].empty() ? 1 : 2);
    return {group, best, node};
  };
  std::priority_queue<std::pair<Key, std::size_t>, std::vector<std::pair<Key, std::size_t>>, std::greater<>> ready;
  for (std::size_t v = 0; v < n + rules; ++v) {
    if (indegree[v] == 0) ready.push({key_of(v), v});
  }
  std::vector<std::size_t> order;
  order.reserve(n);
  std::vector<bool> emitted(n + rules, false);
  while (!ready.empty()) {
    const auto v = ready.top().second;
    ready.pop();
    emitted[v] = true;
    if (v < n) order.push_back(v);
    for (auto w : edges[v]) {
      if (--indegree[w] == 0) ready.push({key_of(w), w});
    }
  }
  // A cycle through components matching several ids: keep the rest in priority order rather
  // than drop anything (the result must hold every input component).
  if (order.size() < n) {
    std::vector<std::pair<Key, std::size_t>> rest;
    for (std::size_t v = 0; v < n; ++v) {
      if (!emitted[v]) rest.push_back({key_of(v), v});
    }
    std::sort(rest.begin(), rest.end());
    for (const auto& [_, v] : rest) order.push_back(v);
  }
  return order;
}

}  // namespace wsbkit
