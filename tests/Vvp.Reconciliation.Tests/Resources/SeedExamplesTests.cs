using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Resources;

/// <summary>Every example CR of the documentation reads, validates, and plans as the documentation describes.</summary>
public sealed class SeedExamplesTests
{
    private readonly DeploymentPlanner _planner = new();

    [SkippableFact]
    public void The_documentation_holds_five_example_CRs()
    {
        var examples = SeedExamples.Load();

        examples.Should().HaveCount(5);
        examples.Select(e => e.Document["kind"]!.GetValue<string>()).Should().OnlyContain(k => k == "VvpDeployment");
    }

    [SkippableFact]
    public void The_test_cr_creates_the_deployment_with_initFields_applied()
    {
        var example = SeedExamples.Load()[0];
        VvpDeploymentValidator.Validate(example.Document).Errors.Should().BeEmpty();
        example.Document.ToJsonString().Should().Be(TestCrs.SeedDocument().ToJsonString(), "the re-indented seed equals the hand-indented copy");

        var plan = _planner.Plan(VvpDeploymentResource.FromDocument(example.Document), null);

        plan.Action.Should().Be(PlanAction.Create);
        plan.Target.Should().Be(new DeploymentTarget("default", "test-cr"));
        plan.Request!["metadata"]!["displayName"]!.GetValue<string>().Should().Be("abc");
        plan.Request["spec"]!["maxSavepointCreationAttempts"]!.GetValue<int>().Should().Be(999);
        plan.Request["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(99);
        plan.Request["spec"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
        plan.Request["spec"]!["template"]!["spec"]!["artifact"]!["jarUri"]!.GetValue<string>().Should().Be("file:///flink/examples/streaming/TopSpeedWindowing.jar");
    }

    [SkippableFact]
    public void The_namespace_example_targets_the_platform_namespace_and_the_deployment_target_it_names()
    {
        var example = SeedExamples.Load().Single(e => e.Elided && e.Yaml.Contains("vvp-some-user", StringComparison.Ordinal));

        // The example elides what test-cr already showed ("..."): it is read as test-cr with these values.
        var document = (JsonObject)JsonMergePatch.Apply(SeedExamples.Load()[0].Document, example.Document)!;
        VvpDeploymentValidator.Validate(document).Errors.Should().BeEmpty();
        var plan = _planner.Plan(VvpDeploymentResource.FromDocument(document), null);

        plan.Target.Should().Be(new DeploymentTarget("vvp-some-user", "test-cr"));
        plan.Request!["spec"]!["deploymentTargetName"]!.GetValue<string>().Should().Be("vvp-jobs-some-user");
    }

    [SkippableFact]
    public void The_authentication_examples_carry_the_secret_name_or_the_token_in_the_CR_annotations()
    {
        var examples = SeedExamples.Load().Where(e => e.Document["spec"] is null).ToList();

        examples.Should().HaveCount(2);
        var bySecret = VvpDeploymentResource.FromDocument(JsonMergePatch.Apply(SeedExamples.Load()[0].Document, examples[0].Document));
        bySecret.Annotations["apikeySecretName"].Should().Be("example-secret-name");
        bySecret.KubernetesNamespace.Should().Be("your-k8s-namespace");
        VvpDeploymentValidator.Validate(bySecret).IsValid.Should().BeTrue();
        var byToken = VvpDeploymentResource.FromDocument(JsonMergePatch.Apply(SeedExamples.Load()[0].Document, examples[1].Document));
        byToken.Annotations["apikey"].Should().Be("77ede5cc-a39c-410e-a89f-550b7a9ac22c");
        VvpDeploymentValidator.Validate(byToken).IsValid.Should().BeTrue();
    }

    [SkippableFact]
    public void The_initial_savepoint_example_creates_the_deployment_and_registers_the_savepoint()
    {
        var example = SeedExamples.Load().Single(e => e.Document["spec"]?["initialSavepointSpec"] is not null);
        VvpDeploymentValidator.Validate(example.Document).Errors.Should().BeEmpty();

        var plan = _planner.Plan(VvpDeploymentResource.FromDocument(example.Document), null);

        plan.Action.Should().Be(PlanAction.Create);
        plan.Savepoint.Should().BeEquivalentTo(new SavepointPlan(true, "s3://bucket/path/to/savepoint-abc123", []));
        plan.Request!["metadata"]!["annotations"]!["reconciliation.vvp/initial-savepoint"]!.GetValue<string>().Should().Be("s3://bucket/path/to/savepoint-abc123");
    }
}
