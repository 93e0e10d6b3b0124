using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

// The seed documentation's example CR: initFields merged under deployment, the body a create would send.
var initFields = JsonNode.Parse("""
    {"userMetadata": {"displayName": "abc"}, "spec": {"maxSavepointCreationAttempts": 999}}
    """);
var deployment = JsonNode.Parse("""
    {"userMetadata": {"name": "test-cr", "namespace": "default"},
     "spec": {"state": "CANCELLED", "deploymentTargetName": "test-target", "maxJobCreationAttempts": 99,
              "template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "file:///flink/examples/streaming/TopSpeedWindowing.jar"}}}}}
    """);

var merged = JsonMergePatch.Apply(initFields, deployment);
Console.WriteLine(merged!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
