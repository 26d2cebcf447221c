import Logging
import Synchronization
import Testing
@testable import ToolHostCore

/// The host's reports reach every observer that registered and is still alive, in the order
/// they happened; one that went away is simply no longer told.
@Suite struct HostObserverTests {
    final class Recorder: PluginHostObserver {
        let heard = Mutex<[String]>([])
        func toolsChanged(_ registry: ToolRegistry) { heard.withLock { $0.append("tools") } }
        func promptsChanged(_ prompts: PromptRegistry) { heard.withLock { $0.append("prompts") } }
        func resourcesChanged(_ resources: ResourceRegistry) { heard.withLock { $0.append("resources") } }
        func resourceUpdated(_ uri: String) { heard.withLock { $0.append(uri) } }
        func pluginLogged(_ plugin: LoadedPlugin, level: LogLevel, message: String) { heard.withLock { $0.append(message) } }
        func callReleased(remaining: Int) { heard.withLock { $0.append("released \(remaining)") } }
    }

    private func host() -> PluginHost {
        var configuration = HostConfiguration()
        configuration.defaultPluginDirectories = []
        return PluginHost(configuration: configuration, logger: Logger(label: "observer-tests"))
    }

    @Test func everyLiveObserverHearsEveryReport() {
        let host = host()
        let first = Recorder()
        var second: Recorder? = Recorder()
        host.addObserver(first)
        host.addObserver(second!)
        host.resourceUpdated("demo://one")
        let secondHeard = second!.heard.withLock { $0 }
        second = nil
        host.resourceUpdated("demo://two")
        #expect(first.heard.withLock { $0 } == ["demo://one", "demo://two"])
        #expect(secondHeard == ["demo://one"])
    }

    /// Two servers over one host (what `toolhost call` and the fuzzer do, one after another):
    /// the second does not take the reports away from the first.
    @Test func aSecondServerDoesNotSilenceTheFirst() {
        let host = host()
        let first = MCPServer(host: host, logger: Logger(label: "observer-tests"), inputFD: -1, outputFD: -1)
        let observer = Recorder()
        host.addObserver(observer)
        let second = MCPServer(host: host, logger: Logger(label: "observer-tests"), inputFD: -1, outputFD: -1)
        host.resourceUpdated("demo://three")
        #expect(observer.heard.withLock { $0 } == ["demo://three"])
        withExtendedLifetime((first, second)) {}
    }
}
