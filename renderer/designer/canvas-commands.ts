/** Commands the canvas offers to the rest of the window (fit, centre on a node). */
export interface CanvasCommands {
  fit(): void;
  centerOn(name: string): void;
}

let current: CanvasCommands = { fit() {}, centerOn() {} };

export function canvasCommands(): CanvasCommands {
  return current;
}

export function registerCanvasCommands(commands: CanvasCommands): () => void {
  current = commands;
  return () => {
    if (current === commands) current = { fit() {}, centerOn() {} };
  };
}
