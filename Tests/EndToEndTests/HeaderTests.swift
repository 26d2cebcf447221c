import Foundation
import TestSupport
import Testing

/// include/toolhost.h is the whole contract for third parties: it must compile on its own as
/// C99, C11 and C++ with the strictest common warnings.
@Suite struct HeaderTests {
    @Test(arguments: [
        ("/usr/bin/cc", ["-std=c99", "-x", "c"]),
        ("/usr/bin/cc", ["-std=c11", "-x", "c"]),
        ("/usr/bin/c++", ["-std=c++11", "-x", "c++"]),
        ("/usr/bin/c++", ["-std=c++17", "-x", "c++"]),
    ])
    func compilesStrictly(compiler: String, flags: [String]) throws {
        let dir = try PluginBuilder.temporaryDirectory("header")
        let source = dir + "/use.c"
        try """
        #include "toolhost.h"
        #include "toolhost.h" /* include guards */
        static const th_plugin *entry(void) { return th_plugin_entry_v1(); }
        static int64_t add(int64_t a, int64_t b) { return a + b; }
        static const th_native_param params[2] = {
            {sizeof(th_native_param), TH_TYPE_INT64, 0, 0, "a", NULL, NULL, NULL, NULL, NULL},
            {sizeof(th_native_param), TH_TYPE_BYTES, TH_PARAM_BASE64, TH_TYPE_SIZE, "b", NULL, NULL, NULL, NULL, NULL}};
        static const th_native_function functions[1] = {{sizeof(th_native_function), TH_NATIVE_SERIAL, "add", NULL, NULL, NULL,
            TH_NATIVE_FN(add), params, 2, TH_TYPE_INT64, TH_ERRORS_NONE, 0, NULL, NULL}};
        static const th_native_functions table = {sizeof(th_native_functions), 1, functions};
        int main(void) {
            th_host h; th_tool t; th_invocation i; (void)h; (void)t; (void)i; (void)entry;
            return (int)table.count - 1 + (TH_EXT_NATIVE_FUNCTIONS[0] == 't' ? 0 : 1);
        }
        const th_plugin *th_plugin_entry_v1(void) { return 0; }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let result = try runCommand(compiler, flags + [
            "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", ServerProcess.packageRoot + "/include",
            "-c", source, "-o", dir + "/use.o",
        ])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
