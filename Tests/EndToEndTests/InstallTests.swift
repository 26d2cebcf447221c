import Foundation
import TestSupport
import Testing

/// `scripts/install` into a temporary PREFIX: the installed header is found through
/// pkg-config, a third-party plugin builds against it, and the installed binary loads its
/// default plugin folder (plugins and manifests) with no options.
@Suite struct InstallTests {
    @Test func installIntoAPrefixThenBuildAPluginWithPkgConfig() throws {
        let prefix = try PluginBuilder.temporaryDirectory("prefix")
        var environment = ProcessInfo.processInfo.environment
        environment["PREFIX"] = prefix
        environment["BIN_DIR"] = ServerProcess.buildDirectory  // what `swift build` made; no release build here
        environment["TOOLHOST_PLUGIN_PATH"] = nil
        let install = try runCommand(ServerProcess.packageRoot + "/scripts/install", [], environment: environment)
        #expect(install.status == 0, "\(install.stderr)")
        let fm = FileManager.default
        for file in [
            "bin/toolhost", "include/toolhost.h", "lib/pkgconfig/toolhost.pc",
            "lib/toolhost/plugins/libCExample.so", "lib/toolhost/plugins/libCTypedExample.so",
            "lib/toolhost/plugins/libSwiftExample.so", "lib/toolhost/plugins/libm.toolhost.json",
        ] {
            #expect(fm.fileExists(atPath: "\(prefix)/\(file)"), "\(file) not installed")
        }
        // The vLLM plugin's HTTP-only libcurl, where the plugin looks (the parent of its folder),
        // taken from the build folder when scripts/test put it there.
        if fm.fileExists(atPath: ServerProcess.buildDirectory + "/libcurl-http.so.4") {
            #expect(fm.fileExists(atPath: "\(prefix)/lib/toolhost/libcurl-http.so.4"), "libcurl-http.so.4 not installed")
        }

        environment["PKG_CONFIG_PATH"] = prefix + "/lib/pkgconfig"
        let cflags = try runCommand("/usr/bin/pkg-config", ["--cflags", "toolhost"], environment: environment)
        #expect(cflags.status == 0, "\(cflags.stderr)")
        #expect(cflags.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "-I\(prefix)/include")
        let plugindir = try runCommand("/usr/bin/pkg-config", ["--variable=plugindir", "toolhost"], environment: environment)
        #expect(plugindir.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(prefix)/lib/toolhost/plugins")

        // A third party's plugin, compiled against the installed header only, dropped into the
        // installed plugin folder.
        let source = prefix + "/hello.c"
        try """
        #include <toolhost.h>
        static int32_t twice(int32_t x) { return 2 * x; }
        static const th_native_param params[] = {{sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "x", NULL, "-1000", "1000", NULL, NULL}};
        static const th_native_function functions[] = {{sizeof(th_native_function), 0, "hello_twice", NULL, "Doubles x.", NULL,
            TH_NATIVE_FN(twice), params, 1, TH_TYPE_INT32, TH_ERRORS_NONE, 0, NULL, NULL}};
        static const th_native_functions table = {sizeof(th_native_functions), 1, functions};
        static uint32_t count(void *s) { (void)s; return 0; }
        static const th_tool *at(void *s, uint32_t i) { (void)s; (void)i; return NULL; }
        static th_status invoke(void *s, th_call *c, const th_invocation *v) { (void)s; (void)c; (void)v; return TH_ERR_UNSUPPORTED; }
        static const void *ext(void *s, const char *id) { (void)s; return id[0] == 't' && id[3] == 'n' ? &table : NULL; }
        static const th_plugin plugin = {TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, 0, "hello", "Hello", "1.0.0",
            NULL, NULL, NULL, count, at, invoke, NULL, ext};
        TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &plugin; }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let output = prefix + "/lib/toolhost/plugins/libhello.so"
        let shell = try runCommand("/bin/sh", ["-c", #"cc -std=c99 -Wall -Wextra -Werror -pedantic -shared -fPIC $(pkg-config --cflags toolhost) -o "$1" "$2""#, "sh", output, source], environment: environment)
        #expect(shell.status == 0, "\(shell.stderr)")

        // The installed binary, with no plugin options, loads <prefix>/lib/toolhost/plugins,
        // but the example plugins (TH_PLUGIN_EXAMPLE) only with --examples.
        environment["TOOLHOST_EXAMPLES"] = nil
        let check = try runCommand(prefix + "/bin/toolhost", ["check"], environment: environment)
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        for plugin in ["plugin libm ", "plugin zlib ", "plugin libc ", "plugin hello-native "] {
            #expect(check.stdout.contains(plugin), "\(plugin) not loaded:\n\(check.stdout)")
        }
        for plugin in ["plugin example ", "plugin typed-example-native ", "plugin swift-example "] {
            #expect(!check.stdout.contains(plugin), "\(plugin) loaded without --examples:\n\(check.stdout)")
        }
        #expect(check.stdout.contains("examples not loaded (--examples loads them): 3"), "\(check.stdout)")
        let withExamples = try runCommand(prefix + "/bin/toolhost", ["check", "--examples"], environment: environment)
        for plugin in ["plugin example ", "plugin typed-example-native ", "plugin swift-example ", "plugin hello-native "] {
            #expect(withExamples.stdout.contains(plugin), "\(plugin) not loaded with --examples:\n\(withExamples.stdout)")
        }
        let call = try runCommand(prefix + "/bin/toolhost", ["call", "hello_twice", #"{"x":21}"#], environment: environment)
        #expect(call.stdout == "42", "\(call.stdout) \(call.stderr)")
        let pow = try runCommand(prefix + "/bin/toolhost", ["call", "math_pow", #"{"x":2,"y":0.5}"#], environment: environment)
        #expect(pow.stdout == "1.4142135623730951")
    }

    @Test func destdirStagesUnderItsRootAndThePcNamesThePrefix() throws {
        let stage = try PluginBuilder.temporaryDirectory("stage")
        var environment = ProcessInfo.processInfo.environment
        environment["PREFIX"] = "/opt/toolhost-test"
        environment["DESTDIR"] = stage
        environment["BIN_DIR"] = ServerProcess.buildDirectory
        environment["PLUGINS"] = "CTypedExample"
        environment["MANIFESTS"] = ""
        let install = try runCommand(ServerProcess.packageRoot + "/scripts/install", [], environment: environment)
        #expect(install.status == 0, "\(install.stderr)")
        let plugins = try FileManager.default.contentsOfDirectory(atPath: stage + "/opt/toolhost-test/lib/toolhost/plugins")
        #expect(plugins == ["libCTypedExample.so"])
        let pc = try String(contentsOfFile: stage + "/opt/toolhost-test/lib/pkgconfig/toolhost.pc", encoding: .utf8)
        #expect(pc.contains("prefix=/opt/toolhost-test\n"))
        #expect(pc.contains("Version: 0."))
    }
}
