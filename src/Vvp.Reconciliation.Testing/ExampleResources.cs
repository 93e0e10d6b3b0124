namespace Vvp.Reconciliation.Testing;

/// <summary>The original product documentation's example CR, for tests and local runs.</summary>
public static class ExampleResources
{
    /// <summary>
    /// The documentation's <c>test-cr</c>: PATCH mode, platform namespace <c>default</c>, a CANCELLED JAR deployment
    /// on <c>test-target</c>, with <c>initFields</c> (<c>displayName</c>, <c>maxSavepointCreationAttempts</c>). No
    /// <c>metadata.namespace</c>: it lands in whatever Kubernetes namespace it is applied to.
    /// </summary>
    public const string TestCrYaml = """
        apiVersion: ververica.platform/v1
        kind: VvpDeployment
        metadata:
          name: test-cr
        spec:
          syncingMode: PATCH
          deployment:
            userMetadata:
              name: test-cr
              namespace: default
            spec:
              state: CANCELLED
              deploymentTargetName: test-target
              maxJobCreationAttempts: 99
              template:
                spec:
                  artifact:
                    jarUri: >-
                      file:///flink/examples/streaming/TopSpeedWindowing.jar
                    kind: JAR
          initFields:
            userMetadata:
              displayName: abc
            spec:
              maxSavepointCreationAttempts: 999
        """;
}
