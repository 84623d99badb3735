import Foundation
import OCISpec
import Testing

@Suite("State and features")
struct StateFeaturesTests {
    @Test("state.json round-trips")
    func stateRoundTrip() throws {
        let data = try Fixture.data("state")
        let state = try State.decode(data)
        #expect(state == State(ociVersion: "1.2.0", id: "oci-container1", status: .running, pid: 4422,
                               bundle: "/containers/redis", annotations: ["myKey": "myValue"]))
        #expect(state.containerState == .running)
        #expect(try State.decode(state.encoded(pretty: true)) == state)
        #expect(try jsonObject(state.encoded(pretty: false)) == jsonObject(data))
    }

    @Test("a stopped state omits pid")
    func stoppedOmitsPid() throws {
        let state = State(ociVersion: "1.2.0", id: "c", status: .stopped, bundle: "/b")
        let text = String(decoding: try state.encoded(pretty: false), as: UTF8.self)
        #expect(text == #"{"bundle":"/b","id":"c","ociVersion":"1.2.0","status":"stopped"}"#)
    }

    @Test("an unknown status decodes but has no ContainerState")
    func unknownStatus() throws {
        let state = try State.decode(Data(#"{"ociVersion":"1.2.0","id":"c","status":"paused","bundle":"/b"}"#.utf8))
        #expect(state.status == "paused")
        #expect(state.containerState == nil)
    }

    @Test("state decoding errors name the path and the document")
    func stateErrors() {
        let typeError = specError { () throws(SpecError) in _ = try State.decode(Data(#"{"pid":"1"}"#.utf8)) }
        #expect(typeError?.description == "pid: expected a number")
        let syntax = specError { () throws(SpecError) in _ = try State.decode(Data("{".utf8)) }
        #expect(syntax?.description.hasPrefix("state is not valid JSON: ") == true)
    }

    @Test("features.json round-trips with every field set")
    func featuresRoundTrip() throws {
        let data = try Fixture.data("features")
        let features = try Features.decode(data)
        #expect(uncoveredFields(features) == [])
        #expect(features.linux?.mountExtensions?.idmap?.enabled == true)
        #expect(features.linux?.cgroup?.systemdUser == true)
        #expect(features.linux?.intelRdt?.schemata == true)
        #expect(try Features.decode(features.encoded(pretty: true)) == features)
        #expect(try jsonObject(features.encoded(pretty: false)) == jsonObject(data))
    }

    @Test("empty features encode as an empty object")
    func emptyFeatures() throws {
        #expect(String(decoding: try Features().encoded(pretty: false), as: UTF8.self) == "{}")
    }
}
