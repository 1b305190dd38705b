/** A small modal frame for the runner's dialogs (Escape or the backdrop closes it). */
import { useEffect, type JSX, type ReactNode } from 'react';

export function Modal({
  title,
  onClose,
  children,
  footer,
  wide,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer: ReactNode;
  wide?: boolean;
  testId: string;
}): JSX.Element {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className={`modal rmodal${wide ? ' wide' : ''}`}
        role="dialog"
        aria-label={title}
        data-testid={testId}
      >
        <div className="rmodal-head">{title}</div>
        <div className="rmodal-body">{children}</div>
        <div className="rmodal-foot">{footer}</div>
      </div>
    </div>
  );
}
