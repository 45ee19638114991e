// Prints the top-level keys of a YAML mapping (argv[1], else stdin), the arch it was compiled for and
// the version of the libyaml it runs with.
#include <yaml.h>

#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__aarch64__)
static const char* const k_arch = "aarch64";
#elif defined(__x86_64__)
static const char* const k_arch = "x86_64";
#else
static const char* const k_arch = "other";
#endif

int main(int argc, char** argv) {
    std::string text = argc > 1 ? argv[1] : std::string(std::istreambuf_iterator<char>(std::cin), {});
    yaml_parser_t parser;
    yaml_document_t document;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    if (!yaml_parser_load(&parser, &document)) {
        std::cerr << "yaml-service: " << (parser.problem ? parser.problem : "bad YAML") << "\n";
        yaml_parser_delete(&parser);
        return 1;
    }
    std::vector<std::string> keys;
    yaml_node_t* root = yaml_document_get_root_node(&document);
    if (root && root->type == YAML_MAPPING_NODE) {
        for (auto* pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; ++pair) {
            yaml_node_t* key = yaml_document_get_node(&document, pair->key);
            if (key && key->type == YAML_SCALAR_NODE)
                keys.emplace_back(reinterpret_cast<const char*>(key->data.scalar.value), key->data.scalar.length);
        }
    }
    std::string joined;
    for (const auto& key : keys) joined += (joined.empty() ? "" : ", ") + key;
    std::cout << "yaml-service on " << k_arch << ": " << keys.size() << " keys (" << joined << "), libyaml "
              << yaml_get_version_string() << "\n";
    yaml_document_delete(&document);
    yaml_parser_delete(&parser);
    return 0;
}
