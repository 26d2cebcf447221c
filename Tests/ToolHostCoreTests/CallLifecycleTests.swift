@testable import ToolHostCore
import Testing

/// The life of a call, event by event, without threads (``CallLifecycle``).
@Suite struct CallLifecycleTests {
    @Test func aCallRunsAndFinishesOnce() {
        var call = CallLifecycle()
        #expect(call.acceptsResults && !call.isCancelled)
        let r1 = call.start()
        #expect(r1 == .invoke)
        #expect(call.state == .running(.init()))
        let r2 = call.finish()
        #expect(r2 == .answerAndRelease(cancelled: false))
        #expect(call.state == .finished && !call.acceptsResults)
        let r3 = call.finish()
        #expect(r3 == .completedTwice, "a second complete is a misuse, nothing more")
    }

    @Test func cancelledWhileQueuedTheCallEndsWithoutThePlugin() {
        var call = CallLifecycle()
        let r4 = call.cancel()
        #expect(r4 == .marked, "no plugin to tell yet")
        #expect(call.isCancelled)
        let r5 = call.cancel()
        #expect(r5 == .ignore)
        let r6 = call.start()
        #expect(r6 == .finishCancelled)
        let r7 = call.finish()
        #expect(r7 == .answerAndRelease(cancelled: true))
    }

    @Test func cancelledWhileRunningThePluginIsHintedOnce() {
        var call = CallLifecycle()
        _ = call.start()
        let r8 = call.cancel()
        #expect(r8 == .hintPlugin)
        let r9 = call.cancel()
        #expect(r9 == .ignore)
        #expect(call.acceptsResults, "a cancelled call still takes the plugin's result until it completes")
        let r10 = call.finish()
        #expect(r10 == .answerAndRelease(cancelled: true))
        let r11 = call.cancel()
        #expect(r11 == .ignore, "nothing to cancel once finished")
        #expect(!call.isCancelled)
    }

    @Test func anEarlyAnswerDropsThePluginsResult() {
        var call = CallLifecycle()
        _ = call.start()
        let r12 = call.answerEarly()
        #expect(r12, "the deadline answers the caller")
        let r13 = call.answerEarly()
        #expect(!r13, "only once")
        let r14 = call.cancel()
        #expect(r14 == .hintPlugin, "and the plugin is still told to stop")
        let r15 = call.finish()
        #expect(r15 == .release, "the plugin's late result is dropped; the call is released")
        let r16 = call.answerEarly()
        #expect(!r16, "a finished call was answered already")
    }

    @Test func shutdownAnswersAQueuedCallEarlyToo() {
        var call = CallLifecycle()
        let r17 = call.answerEarly()
        #expect(r17)
        let r18 = call.cancel()
        #expect(r18 == .marked)
        let r19 = call.start()
        #expect(r19 == .finishCancelled)
        let r20 = call.finish()
        #expect(r20 == .release)
    }

    @Test func anAnswerAfterTheResultIsNotSent() {
        var call = CallLifecycle()
        _ = call.start()
        let r21 = call.finish()
        #expect(r21 == .answerAndRelease(cancelled: false))
        let r22 = call.answerEarly()
        #expect(!r22)
    }
}
