// Exports of the product graph for Python users: GraphML (networkx.read_graphml) and an edge-list
// CSV (pandas.read_csv).
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {

namespace {

enum class Kind { kProduct, kCl, kDep, kG, kD };
constexpr const char* kKindName[] = {"product", "cl", "dep", "g", "d"};

std::string node_name(const GraphNames& names, Kind kind, int32_t id) {
  const std::vector<std::string>* list = nullptr;
  switch (kind) {
    case Kind::kProduct:
      list = &names.product;
      break;
    case Kind::kCl:
      list = &names.cl;
      break;
    case Kind::kDep:
      list = &names.dep;
      break;
    case Kind::kG:
      list = &names.g;
      break;
    case Kind::kD:
      list = &names.d;
      break;
  }
  if (id >= 0 && size_t(id) < list->size()) return (*list)[id];
  return fmt::format("{}:{}", kKindName[int(kind)], id);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// CSV field: quoted when it holds a comma, quote or line break.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

// "inf"/"-inf" read back as floats in Python; printf's "%g" forms do too, but not everywhere.
std::string number(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (std::isnan(x)) return "nan";
  return fmt::format("{:.6g}", x);
}

// Every hierarchy edge: (child kind, child id, parent kind, parent id).
template <typename F>
void for_each_parent_edge(const ProductGraph& g, F f) {
  auto level = [&](const std::vector<int32_t>& parents, Kind child, Kind parent) {
    for (size_t i = 0; i < parents.size(); ++i) {
      if (parents[i] >= 0) f(child, int32_t(i), parent, parents[i]);
    }
  };
  level(g.product_to_cl, Kind::kProduct, Kind::kCl);
  level(g.cl_to_dep, Kind::kCl, Kind::kDep);
  level(g.dep_to_g, Kind::kDep, Kind::kG);
  level(g.g_to_d, Kind::kG, Kind::kD);
}

template <typename F>
void for_each_weighted_edge(const EdgeList& edges, F f) {
  for (size_t p = 0; p + 1 < edges.offsets.size(); ++p) {
    for (uint64_t k = edges.offsets[p]; k < edges.offsets[p + 1]; ++k) {
      f(int32_t(p), edges.target[k], edges.count[k], edges.lift[k], edges.pmi[k]);
    }
  }
}

}  // namespace

void write_graphml(const ProductGraph& graph, const GraphNames& names, const fs::path& path) {
  std::string out;
  out +=
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
      "  <key id=\"d0\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
      "  <key id=\"d1\" for=\"node\" attr.name=\"baskets\" attr.type=\"long\"/>\n"
      "  <key id=\"d2\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n"
      "  <key id=\"d3\" for=\"edge\" attr.name=\"count\" attr.type=\"long\"/>\n"
      "  <key id=\"d4\" for=\"edge\" attr.name=\"lift\" attr.type=\"double\"/>\n"
      "  <key id=\"d5\" for=\"edge\" attr.name=\"pmi\" attr.type=\"double\"/>\n"
      "  <graph id=\"products\" edgedefault=\"directed\">\n";
  auto node = [&](Kind kind, int32_t id, const std::string& extra) {
    out += fmt::format("    <node id=\"{}\"><data key=\"d0\">{}</data>{}</node>\n",
                       xml_escape(node_name(names, kind, id)), kKindName[int(kind)], extra);
  };
  for (int32_t p = 0; p < graph.n_products; ++p) {
    const uint32_t baskets =
        size_t(p) < graph.product_baskets.size() ? graph.product_baskets[p] : 0;
    node(Kind::kProduct, p, fmt::format("<data key=\"d1\">{}</data>", baskets));
  }
  auto level_nodes = [&](size_t n, Kind kind) {
    for (size_t i = 0; i < n; ++i) node(kind, int32_t(i), "");
  };
  level_nodes(graph.cl_to_dep.size(), Kind::kCl);
  level_nodes(graph.dep_to_g.size(), Kind::kDep);
  level_nodes(graph.g_to_d.size(), Kind::kG);
  int32_t n_d = 0;
  for (int32_t d : graph.g_to_d) n_d = std::max(n_d, d + 1);
  level_nodes(size_t(n_d), Kind::kD);
  auto weighted = [&](const EdgeList& edges, const char* kind) {
    for_each_weighted_edge(edges, [&](int32_t s, int32_t t, uint32_t count, float lift, float pmi) {
      out += fmt::format(
          "    <edge source=\"{}\" target=\"{}\"><data key=\"d2\">{}</data><data "
          "key=\"d3\">{}</data><data key=\"d4\">{}</data><data key=\"d5\">{}</data></edge>\n",
          xml_escape(node_name(names, Kind::kProduct, s)),
          xml_escape(node_name(names, Kind::kProduct, t)), kind, count, number(lift), number(pmi));
    });
  };
  weighted(graph.complements, "complement");
  weighted(graph.substitutes, "substitute");
  for_each_parent_edge(graph, [&](Kind ck, int32_t c, Kind pk, int32_t p) {
    out +=
        fmt::format("    <edge source=\"{}\" target=\"{}\"><data key=\"d2\">parent</data></edge>\n",
                    xml_escape(node_name(names, ck, c)), xml_escape(node_name(names, pk, p)));
  });
  out += "  </graph>\n</graphml>\n";
  write_file_atomic(path, out);
}

void write_edge_csv(const ProductGraph& graph, const GraphNames& names, const fs::path& path) {
  std::string out = "source,target,kind,count,lift,pmi\n";
  auto weighted = [&](const EdgeList& edges, const char* kind) {
    for_each_weighted_edge(edges, [&](int32_t s, int32_t t, uint32_t count, float lift, float pmi) {
      out += fmt::format("{},{},{},{},{},{}\n", csv_field(node_name(names, Kind::kProduct, s)),
                         csv_field(node_name(names, Kind::kProduct, t)), kind, count, number(lift),
                         number(pmi));
    });
  };
  weighted(graph.complements, "complement");
  weighted(graph.substitutes, "substitute");
  for_each_parent_edge(graph, [&](Kind ck, int32_t c, Kind pk, int32_t p) {
    out += fmt::format("{},{},parent,,,\n", csv_field(node_name(names, ck, c)),
                       csv_field(node_name(names, pk, p)));
  });
  write_file_atomic(path, out);
}

}  // namespace retailsim::derive
