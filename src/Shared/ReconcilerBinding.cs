using Microsoft.Extensions.Configuration;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using static Vvp.Reconciliation.Configuration.ConfigurationValues;

namespace Vvp.Reconciliation.Configuration;

/// <summary>
/// The one binding of <see cref="ReconcilerOptions"/> from configuration keys, used by <c>AddVvpReconciliation</c> and,
/// for the same keys under <c>vvp:k8sOperator</c>, by <c>AddVvpOperator</c>. Compiled into each package that binds them.
/// </summary>
internal static class ReconcilerBinding
{
    // Each setting once: its key, as the documentation writes it, and how its value is read.
    private static readonly (string Name, Action<IConfigurationSection, ReconcilerOptions> Bind)[] Settings =
    [
        ("identity", (c, o) => o.Identity = c.Value ?? string.Empty),
        ("watchedNamespaces", (c, o) => ReplaceList(o.WatchedNamespaces, c)),
        ("authenticationRequired", (c, o) => o.AuthenticationRequired = Boolean(c)),
        ("deletionPolicy", (c, o) => o.DeletionPolicy = Enum<DeletionPolicy>(c)),
        ("specWriteBack", (c, o) => o.SpecWriteBack = Enum<SpecWriteBack>(c)),
        ("driftPolicy", (c, o) => o.DriftPolicy = Enum<DriftPolicy>(c)),
        ("markerPrefix", (c, o) => o.MarkerPrefix = c.Value ?? string.Empty),
        ("maxConflictRetries", (c, o) => o.MaxConflictRetries = Int(c)),
        ("transientRetries", (c, o) => o.TransientRetries = Int(c)),
        ("transientRetryDelay", (c, o) => o.TransientRetryDelay = Duration(c)),
        ("transitioningRequeue", (c, o) => o.TransitioningRequeue = Duration(c)),
        ("failureRequeue", (c, o) => o.FailureRequeue = Duration(c)),
        ("maxFailureRequeue", (c, o) => o.MaxFailureRequeue = Duration(c)),
        ("maxRetryAfter", (c, o) => o.MaxRetryAfter = Duration(c)),
        ("reconcileTimeout", (c, o) => o.ReconcileTimeout = Duration(c)),
    ];

    /// <summary>The keys, as the documentation writes them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Settings.Select(s => s.Name)];

    /// <summary>The keys in one line, for messages.</summary>
    public static string Keys { get; } = string.Join(", ", Names);

    /// <summary>Binds every key of a section that holds only reconciler settings; all that cannot be bound are named in one error.</summary>
    public static void BindSection(IConfiguration section, ReconcilerOptions options)
    {
        var path = (section as IConfigurationSection)?.Path ?? string.Empty;
        BindEach(section, child =>
        {
            if (!TryBind(child, options))
            {
                throw Unknown(child, path, Keys);
            }
        });
    }

    /// <summary>Binds one key when it is a reconciler setting.</summary>
    /// <returns><see langword="false"/> when the key is not one of <see cref="Names"/>.</returns>
    public static bool TryBind(IConfigurationSection child, ReconcilerOptions options) => ConfigurationValues.TryBind(Settings, child, options);
}
