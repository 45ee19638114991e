// The addon itself is harmless; the build action is the attack.
#include <node_api.h>

static napi_value init(napi_env env, napi_value exports) {
    napi_value value;
    napi_create_int32(env, 1, &value);
    napi_set_named_property(env, exports, "value", value);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
