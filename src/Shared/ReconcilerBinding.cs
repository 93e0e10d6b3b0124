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
    /// <summary>The keys, as the documentation writes them.</summary>
    public const string Keys = "identity, watchedNamespaces, authenticationRequired, deletionPolicy, markerPrefix, maxConflictRetries, transientRetries, transientRetryDelay, transitioningRequeue, failureRequeue, maxFailureRequeue, maxRetryAfter, reconcileTimeout";

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
    /// <returns><see langword="false"/> when the key is not one of <see cref="Keys"/>.</returns>
    public static bool TryBind(IConfigurationSection child, ReconcilerOptions options)
    {
        switch (child.Key.ToLowerInvariant())
        {
            case "identity": options.Identity = child.Value ?? string.Empty; return true;
            case "watchednamespaces": ReplaceList(options.WatchedNamespaces, child); return true;
            case "authenticationrequired": options.AuthenticationRequired = Boolean(child); return true;
            case "deletionpolicy": options.DeletionPolicy = Enum<DeletionPolicy>(child); return true;
            case "markerprefix": options.MarkerPrefix = child.Value ?? string.Empty; return true;
            case "maxconflictretries": options.MaxConflictRetries = Int(child); return true;
            case "transientretries": options.TransientRetries = Int(child); return true;
            case "transientretrydelay": options.TransientRetryDelay = Duration(child); return true;
            case "transitioningrequeue": options.TransitioningRequeue = Duration(child); return true;
            case "failurerequeue": options.FailureRequeue = Duration(child); return true;
            case "maxfailurerequeue": options.MaxFailureRequeue = Duration(child); return true;
            case "maxretryafter": options.MaxRetryAfter = Duration(child); return true;
            case "reconciletimeout": options.ReconcileTimeout = Duration(child); return true;
            default: return false;
        }
    }
}
