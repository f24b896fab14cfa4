// TOML config loading (toml++) and typed section access.
#include "core/config.h"

#include <thread>

#include <toml++/toml.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace retailsim {

int GlobalOptions::resolved_threads() const {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

Config::Config() : table_(std::make_unique<toml::table>()) {}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Config Config::parse(std::string_view text, std::string source_name) {
  Config config;
  config.source_ = std::move(source_name);
  try {
    *config.table_ = toml::parse(text, config.source_);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    fail_at(
        {config.source_, static_cast<int64_t>(begin.line), static_cast<int32_t>(begin.column), ""},
        "invalid TOML: {}", std::string(e.description()));
  }
  return config;
}

Config Config::load(const fs::path& path) {
  if (!fs::exists(path)) fail("config file {} does not exist", path.string());
  return parse(read_file(path), path.string());
}

Section Config::section(std::string_view name) const {
  const toml::table* sub = table_->get_as<toml::table>(name);
  return Section(sub, std::string(name), source_);
}

namespace {

Json node_to_json(const toml::node& node) {
  if (auto t = node.as_table()) {
    Json j = Json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = node_to_json(v);
    return j;
  }
  if (auto a = node.as_array()) {
    Json j = Json::array();
    for (const auto& v : *a) j.push_back(node_to_json(v));
    return j;
  }
  if (auto v = node.value<int64_t>(); v && node.is_integer()) return *v;
  if (auto v = node.value<double>(); v && node.is_floating_point()) return *v;
  if (auto v = node.value<bool>()) return *v;
  if (auto v = node.value<std::string>()) return *v;
  return nullptr;
}

}  // namespace

Json Config::to_json() const {
  return node_to_json(*table_);
}

Section::Section(const toml::table* table, std::string name, std::string source)
    : table_(table), name_(std::move(name)), source_(std::move(source)) {}

bool Section::has(std::string_view key) const {
  return table_ && table_->contains(key);
}

void Section::type_error(std::string_view key, const char* expected) const {
  SourceLocation where{source_, 0, 0, ""};
  if (table_) {
    if (const toml::node* node = table_->get(key)) {
      where.line = node->source().begin.line;
      where.column = static_cast<int32_t>(node->source().begin.column);
    }
  }
  fail_at(where, "[{}] {}: expected {}", name_, key, expected);
}

int64_t Section::get_int(std::string_view key, int64_t default_value) const {
  if (!has(key)) return default_value;
  auto v = table_->get(key)->value_exact<int64_t>();
  if (!v) type_error(key, "an integer");
  return *v;
}

double Section::get_double(std::string_view key, double default_value) const {
  if (!has(key)) return default_value;
  auto v = table_->get(key)->value<double>();  // integers are accepted as numbers too
  if (!v) type_error(key, "a number");
  return *v;
}

bool Section::get_bool(std::string_view key, bool default_value) const {
  if (!has(key)) return default_value;
  auto v = table_->get(key)->value_exact<bool>();
  if (!v) type_error(key, "true or false");
  return *v;
}

std::string Section::get_string(std::string_view key, const std::string& default_value) const {
  if (!has(key)) return default_value;
  auto v = table_->get(key)->value_exact<std::string>();
  if (!v) type_error(key, "a string");
  return *v;
}

std::vector<double> Section::get_doubles(std::string_view key,
                                         std::vector<double> default_value) const {
  if (!has(key)) return default_value;
  const toml::array* array = table_->get(key)->as_array();
  if (!array) type_error(key, "an array of numbers");
  std::vector<double> out;
  for (const auto& element : *array) {
    auto v = element.value<double>();
    if (!v) type_error(key, "an array of numbers");
    out.push_back(*v);
  }
  return out;
}

std::vector<std::string> Section::get_strings(std::string_view key,
                                              std::vector<std::string> default_value) const {
  if (!has(key)) return default_value;
  const toml::array* array = table_->get(key)->as_array();
  if (!array) type_error(key, "an array of strings");
  std::vector<std::string> out;
  for (const auto& element : *array) {
    auto v = element.value<std::string>();
    if (!v) type_error(key, "an array of strings");
    out.push_back(*v);
  }
  return out;
}

void Section::check_known_keys(const std::set<std::string, std::less<>>& known) const {
  if (!table_) return;
  for (const auto& [key, node] : *table_) {
    if (!known.contains(key.str())) {
      fail_at({source_, static_cast<int64_t>(node.source().begin.line),
               static_cast<int32_t>(node.source().begin.column), ""},
              "[{}] unknown key '{}'", name_, std::string(key.str()));
    }
  }
}

}  // namespace retailsim
