import Foundation
import MCP
import SystemPackage
import TestSupport
import Testing

/// The official Swift SDK (modelcontextprotocol/swift-sdk 0.12.1) as a client we did not
/// write: its `Client` over a `StdioTransport` on the pipes of the real `toolhost`.
@Suite struct SwiftSDKClientTests {
    /// A connected client and the process behind it.
    func connect() async throws -> (Client, ServerProcess) {
        let process = try ServerProcess(
            ServerProcess.toolhostPath, ["--plugin", ServerProcess.plugin("CExample")], rawStdout: true)
        let transport = StdioTransport(
            input: FileDescriptor(rawValue: process.stdoutFD), output: FileDescriptor(rawValue: process.stdinDescriptor))
        let client = Client(name: "swift-sdk-interop", version: "1.0")
        _ = try await client.connect(transport: transport)
        return (client, process)
    }

    @Test func listsAndCallsTools() async throws {
        let (client, process) = try await connect()
        let (tools, _) = try await client.listTools()
        #expect(tools.map(\.name) == ["echo", "add", "fail", "sleep", "slow_echo"])
        #expect(tools.first { $0.name == "echo" }?.annotations.readOnlyHint == true)

        let (content, isError) = try await client.callTool(name: "echo", arguments: ["text": "from swift-sdk ✓"])
        #expect(isError != true)
        guard case .text(let text, _, _)? = content.first else {
            Issue.record("expected text content, got \(content)")
            return
        }
        #expect(text == "from swift-sdk ✓")

        let (errorContent, failed) = try await client.callTool(name: "fail", arguments: ["message": "expected failure"])
        #expect(failed == true)
        #expect("\(errorContent)".contains("expected failure"))
        try await client.ping()
        await client.disconnect()
        process.closeStdin()
        #expect(process.waitForExit() == 0)
    }

    @Test func listsAndGetsPromptsReadsResourcesAndCompletes() async throws {
        let (client, process) = try await connect()
        let (prompts, _) = try await client.listPrompts()
        #expect(prompts.map(\.name) == ["explain"])
        #expect(prompts.first?.arguments?.first { $0.name == "topic" }?.required == true)
        let (_, messages) = try await client.getPrompt(name: "explain", arguments: ["topic": "tides ✓", "audience": "sailors"])
        #expect(messages.first?.role == .user)
        guard case .text(let prompt)? = messages.first?.content else {
            Issue.record("expected a text message, got \(messages)")
            return
        }
        #expect(prompt.contains("tides ✓") && prompt.contains("sailors"), "\(prompt)")

        let (resources, _) = try await client.listResources()
        #expect(resources.map(\.uri) == ["example://about"])
        #expect(resources.first?.mimeType == "text/plain")
        let (templates, _) = try await client.listResourceTemplates()
        #expect(templates.map(\.uriTemplate) == ["example://greeting/{name}"])
        let about = try await client.readResource(uri: "example://about")
        #expect(about.first?.text?.contains("The example plugin") == true, "\(about)")
        let greeting = try await client.readResource(uri: "example://greeting/Ada%20Lovelace")
        #expect(greeting.first?.text == "Hello, Ada Lovelace!", "\(greeting)")
        await #expect(throws: (any Error).self) { _ = try await client.readResource(uri: "example://nothing") }

        let audiences = try await client.complete(promptName: "explain", argumentName: "audience", argumentValue: "ex")
        #expect(audiences.values == ["experts"] && audiences.total == 1 && audiences.hasMore == false)
        let names = try await client.complete(resourceURI: "example://greeting/{name}", argumentName: "name", argumentValue: "A")
        #expect(names.values == ["Ada", "Alan"])
        await client.disconnect()
        process.closeStdin()
        #expect(process.waitForExit() == 0)
    }

    @Test func asyncToolWithProgress() async throws {
        let (client, process) = try await connect()
        let counter = ProgressCounter()
        await client.onNotification(ProgressNotification.self) { message in
            await counter.record(message.params.progress)
        }
        let (content, _) = try await client.callTool(
            name: "slow_echo", arguments: ["text": "slowly", "steps": 3, "delay_ms": 10],
            meta: Metadata(progressToken: .string("swift-sdk-progress")))
        guard case .text(let text, _, _)? = content.first else {
            Issue.record("expected text content, got \(content)")
            return
        }
        #expect(text == "slowly")
        let seen = await counter.values
        #expect(seen == [1, 2, 3])
        await client.disconnect()
        process.closeStdin()
        _ = process.waitForExit()
    }

    @Test func cancellationStopsTheCall() async throws {
        let (client, process) = try await connect()
        let context: RequestContext<CallTool.Result> = try await client.callTool(
            name: "slow_echo", arguments: ["text": "never", "steps": 1000, "delay_ms": 20])
        try await Task.sleep(for: .milliseconds(100))
        try await client.cancelRequest(context.requestID, reason: "test cancels")
        do {
            _ = try await context.value
            Issue.record("a cancelled call must not complete normally")
        } catch {
            // The SDK resumes the caller with a cancellation error.
        }
        // The connection keeps working.
        let (content, _) = try await client.callTool(name: "echo", arguments: ["text": "after cancel"])
        #expect("\(content)".contains("after cancel"))
        await client.disconnect()
        process.closeStdin()
        _ = process.waitForExit()
    }

    @Test func unknownToolIsAnError() async throws {
        let (client, process) = try await connect()
        await #expect(throws: (any Error).self) {
            _ = try await client.callTool(name: "no_such_tool", arguments: [:])
        }
        await client.disconnect()
        process.closeStdin()
        _ = process.waitForExit()
    }
}

actor ProgressCounter {
    private(set) var values: [Double] = []
    func record(_ value: Double) { values.append(value) }
}
