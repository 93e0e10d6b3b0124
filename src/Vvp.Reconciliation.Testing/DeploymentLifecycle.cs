using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Testing;

/// <summary>
/// How the in-memory platform writes a deployment, as the real one does: ids, timestamps, <c>resourceVersion</c>
/// on every write, the spec version and transition annotations, defaults and normalisation, and the state
/// machine (a change of <c>spec.state</c> is <c>TRANSITIONING</c> until the transition duration has passed on
/// the options' clock). Not thread-safe: <see cref="InMemoryPlatform"/> holds its lock around every use.
/// </summary>
internal sealed partial class DeploymentLifecycle(InMemoryPlatformOptions options, DeploymentStore store)
{
    private const string SpecVersion = "com.dataartisans.appmanager.controller.deployment.spec.version";
    private const string Transitioning = "com.dataartisans.appmanager.controller.deployment.transitioning";
    private const string TransitioningSince = "com.dataartisans.appmanager.controller.deployment.transitioning.since";

    /// <summary>The metadata keys a request may set.</summary>
    public static readonly string[] UserMetadataKeys = ["displayName", "labels", "annotations"];

    public JsonObject Insert(string ns, JsonObject deployment)
    {
        var name = JsonRead.Text(deployment, "metadata", "name");
        if (name is null || !NamePattern().IsMatch(name) || name.Length > 63)
        {
            throw PlatformException.FromStatus(400, $"metadata.name '{name}' must match [a-z0-9]([-a-z0-9]*[a-z0-9])?.");
        }

        var now = Now();
        var stored = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["id"] = store.NewId(),
                ["name"] = name,
                ["namespace"] = ns,
                ["createdAt"] = now,
                ["modifiedAt"] = now,
                ["resourceVersion"] = 0,
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject(),
        };
        var metadata = deployment["metadata"] is JsonObject m ? UserMetadataOnly(m) : [];
        Store(ns, stored, metadata, deployment["spec"]?.DeepClone().AsObject() ?? [], replaceMetadata: true, created: true);
        store.Add(ns, name, stored);
        return stored;
    }

    // Stores a write: user metadata and spec from the request, system fields from the platform.
    public JsonObject Store(string ns, JsonObject stored, JsonObject userMetadata, JsonObject spec, bool replaceMetadata, bool created = false, bool applyDefaults = true)
    {
        DeploymentDefaults.Validate(spec);
        var metadata = stored["metadata"]!.AsObject();
        var previousSpec = stored["spec"]?.DeepClone();
        var previousState = JsonRead.Text(stored, "spec", "state");
        var systemAnnotations = (metadata["annotations"] as JsonObject)?
            .Where(a => a.Key.StartsWith("com.dataartisans.", StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => a.Value?.DeepClone(), StringComparer.Ordinal) ?? [];
        if (replaceMetadata)
        {
            foreach (var key in UserMetadataKeys)
            {
                metadata.Remove(key);
                if (userMetadata[key] is { } value)
                {
                    metadata[key] = value.DeepClone();
                }
            }
        }

        var annotations = metadata["annotations"] as JsonObject ?? [];
        metadata["annotations"] = annotations;
        foreach (var (key, value) in systemAnnotations)
        {
            annotations[key] = value;
        }

        if (options.ApplyDefaults && applyDefaults)
        {
            DeploymentDefaults.Apply(spec);
        }

        if (options.NormalizeValues)
        {
            DeploymentDefaults.Normalize(spec);
        }

        stored["spec"] = spec;
        var version = long.Parse(JsonRead.Text(annotations, SpecVersion) ?? "0", CultureInfo.InvariantCulture);
        if (created || !JsonEquality.Equals(previousSpec, spec))
        {
            version++;
        }

        annotations[SpecVersion] = version.ToString(CultureInfo.InvariantCulture);
        metadata["resourceVersion"] = (long.TryParse(metadata["resourceVersion"]?.ToJsonString(), CultureInfo.InvariantCulture, out var version0) ? version0 : 0) + 1;
        metadata["modifiedAt"] = Now();
        metadata["namespace"] = ns;

        var state = JsonRead.Text(spec, "state");
        if (created || state != previousState)
        {
            StartTransition(stored, annotations, state);
        }
        else
        {
            annotations[Transitioning] ??= "false";
            annotations[TransitioningSince] ??= "0";
        }

        return stored;
    }

    private void StartTransition(JsonObject stored, JsonObject annotations, string? state)
    {
        var status = stored["status"] as JsonObject ?? [];
        stored["status"] = status;
        if (state is "CANCELLED" && JsonRead.Text(status, "state") is null or "CANCELLED" or "FAILED" or "FINISHED")
        {
            status["state"] = "CANCELLED";
            annotations[Transitioning] = "false";
            annotations[TransitioningSince] = "0";
            return;
        }

        status["state"] = "TRANSITIONING";
        annotations[Transitioning] = "true";
        annotations[TransitioningSince] = options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }

    // The state machine: a transition completes once its duration has passed on the platform's clock.
    public JsonObject Advance(JsonObject stored)
    {
        var annotations = stored["metadata"]?["annotations"] as JsonObject;
        if (JsonRead.Text(stored, "status", "state") != "TRANSITIONING" || annotations is null ||
            !long.TryParse(JsonRead.Text(annotations, TransitioningSince), CultureInfo.InvariantCulture, out var since))
        {
            return stored;
        }

        var elapsed = options.TimeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(since);
        if (elapsed >= options.TransitionDuration)
        {
            var target = JsonRead.Text(stored, "spec", "state") ?? "RUNNING";
            stored["status"]!["state"] = target;
            if (target == "RUNNING")
            {
                stored["status"]!["running"] = new JsonObject { ["jobId"] = store.NewId(), ["transitionTime"] = Now() };
            }
            else
            {
                stored["status"]!.AsObject().Remove("running");
            }

            annotations[Transitioning] = "false";
        }

        return stored;
    }

    /// <summary>Completes a running transition now, as if its duration had passed.</summary>
    public void CompleteTransition(JsonObject deployment)
    {
        if (deployment["metadata"]?["annotations"] is JsonObject annotations && JsonRead.Text(deployment, "status", "state") == "TRANSITIONING")
        {
            annotations[TransitioningSince] = "0";
            Advance(deployment);
        }
    }

    /// <summary>The user metadata a request or a stored deployment holds (a copy).</summary>
    public static JsonObject UserMetadataOnly(JsonObject metadata)
    {
        var result = new JsonObject();
        foreach (var key in UserMetadataKeys)
        {
            if (metadata.TryGetPropertyValue(key, out var value))
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    public string Now() => options.TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex NamePattern();
}
