import AgentHostCore
import Testing

@Suite struct AgentStateMachineTests {
    @Test func theWrittenDownMovesHold() {
        #expect(AgentStateMachine.canMove(from: .idle, to: .planning))
        #expect(AgentStateMachine.canMove(from: .planning, to: .executing))
        #expect(AgentStateMachine.canMove(from: .verifying, to: .executing))
        #expect(!AgentStateMachine.canMove(from: .idle, to: .verifying))
        #expect(!AgentStateMachine.canMove(from: .learning, to: .executing))
        #expect(!AgentStateMachine.canMove(from: .done, to: .executing))
    }

    @Test func everyPathFromIdleIsLegal() {
        for state in AgentState.allCases {
            var current = AgentState.idle
            for next in AgentStateMachine.path(to: state) {
                #expect(AgentStateMachine.canMove(from: current, to: next), "\(current) -> \(next)")
                current = next
            }
            #expect(current == state)
        }
    }

    @Test func anIllegalMoveSaysWhatIsLegal() {
        #expect {
            try AgentStateMachine.move(from: .learning, to: .planning, agent: "a")
        } throws: { error in
            "\(error)" == "agent 'a' cannot move from LEARNING to PLANNING; from LEARNING it may move to DONE, FAILED"
        }
    }
}
