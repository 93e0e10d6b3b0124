namespace Vvp.Reconciliation.DependencyInjection;

/// <summary>Turns an options type's own <c>Validate()</c> (which throws <see cref="ArgumentException"/>) into the predicate the options framework wants.</summary>
internal static class OptionsValidation
{
    public static bool Passes(Action validate)
    {
        try
        {
            validate();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
